/** Peer 3: Express + passport (passport-http-bearer) + jsonwebtoken, the same RS256 tokens, iss and aud checked. */
import express from 'express';
import jwt from 'jsonwebtoken';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { announce, jwtSettings, port } from './ready.mjs';

const { publicKeyPem, issuer, audience } = jwtSettings();
passport.use(
  new BearerStrategy((token, done) => {
    jwt.verify(token, publicKeyPem, { algorithms: ['RS256'], issuer, audience }, (err, payload) => {
      if (err) done(null, false);
      else done(null, payload);
    });
  }),
);
const app = express();
app.use(passport.initialize());
app.get('/protected', passport.authenticate('bearer', { session: false }), (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(port, '127.0.0.1', () => announce(server));
