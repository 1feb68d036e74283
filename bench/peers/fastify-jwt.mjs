/** Peer 2: Fastify + @fastify/jwt (fast-jwt) verifying the same RS256 tokens, iss and aud checked. */
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import { announce, jwtSettings, port } from './ready.mjs';

const { publicKeyPem, issuer, audience } = jwtSettings();
const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  secret: { public: publicKeyPem },
  verify: { algorithms: ['RS256'], allowedIss: issuer, allowedAud: audience },
});
app.get('/protected', { onRequest: (request) => request.jwtVerify() }, async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port });
announce(app.server);
