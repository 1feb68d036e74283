import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

/** A controllable identity provider on loopback: discovery, JWKS, and a signer. */
export class TestIdp {
  private server: Server | undefined;
  private keys: { kid: string; privateKey: KeyObject; publicKey: KeyObject }[] = [];
  issuer = '';
  mode: 'up' | 'down' | 'slow' | 'huge' | 'wrong-issuer' = 'up';
  jwksHits = 0;

  async start(): Promise<void> {
    this.rotate();
    this.server = createServer((req, res) => {
      if (this.mode === 'down') {
        res.writeHead(503).end();
        return;
      }
      if (this.mode === 'slow') return; // never answers: the client must time out
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            issuer: this.mode === 'wrong-issuer' ? 'https://elsewhere.example' : this.issuer,
            jwks_uri: `${this.issuer}/jwks`,
          }),
        );
        return;
      }
      if (req.url === '/jwks') {
        this.jwksHits++;
        res.writeHead(200, { 'content-type': 'application/json' });
        if (this.mode === 'huge') res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(400_000) }));
        else
          res.end(
            JSON.stringify({
              keys: this.keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: 'RS256', use: 'sig' })),
            }),
          );
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Adds a new signing key (the newest signs from now on); the old ones stay published unless dropped. */
  rotate(dropOld = false): string {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `k${this.keys.length + 1}-${Math.random().toString(36).slice(2, 6)}`;
    this.keys = [...(dropOld ? [] : this.keys), { kid, privateKey, publicKey }];
    return kid;
  }

  async sign(
    claims: Record<string, unknown>,
    opts: { alg?: string; kid?: string; header?: Record<string, unknown>; now: number; key?: KeyObject },
  ): Promise<string> {
    const k = this.keys[this.keys.length - 1];
    if (!k) throw new Error('no key');
    const iat = Math.floor(opts.now / 1000);
    return new SignJWT({ iss: this.issuer, aud: 'urn:api', sub: 'ext-user-1', iat, exp: iat + 600, ...claims })
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? k.kid, ...opts.header })
      .sign(opts.key ?? k.privateKey);
  }

  get signingKey(): KeyObject {
    const k = this.keys[this.keys.length - 1];
    if (!k) throw new Error('no key');
    return k.privateKey;
  }

  get publicKey(): KeyObject {
    const k = this.keys[this.keys.length - 1];
    if (!k) throw new Error('no key');
    return k.publicKey;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
