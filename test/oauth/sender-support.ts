import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A DPoP key held by a test client: signs proofs whose every claim a test may bend. */
export interface ProofKey {
  readonly jwk: JWK;
  readonly jkt: string;
  proof(
    claims: { htm: string; htu: string; ath?: string; nonce?: string; iat?: number; jti?: string },
    header?: Record<string, unknown>,
  ): Promise<string>;
}

export async function proofKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    jwk,
    jkt,
    proof: (claims, header = {}) => {
      const { iat, jti, ...rest } = claims;
      return new SignJWT({ ...rest, jti: jti ?? randomBytes(16).toString('base64url') })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header })
        .setIssuedAt(iat ?? Math.floor(Date.now() / 1000))
        .sign(privateKey);
    },
  };
}

/** `ath`: base64url SHA-256 of the access token. */
export const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The payload of a JWT (tests only read their own tokens). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** PEM files made with the openssl CLI for one test run. */
export interface TestPki {
  readonly dir: string;
  /** Path of a PEM file in `dir`. */
  path(name: string): string;
  pem(name: string): string;
  /** `x5t#S256` of a certificate. */
  thumbprint(name: string): string;
  /** RFC 9440 Client-Cert header value of a certificate. */
  header(name: string): string;
  dispose(): void;
}

/**
 * A CA, a server certificate for 127.0.0.1, client certificates issued by the CA (`worker`:
 * CN=worker,O=Example with SAN DNS:worker.example; `intruder`), one from another CA with the
 * worker's subject (`forged`), and a self-signed one (`self`). EC P-256 throughout (fast).
 */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pki-'));
  const p = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  const ca = (name: string, cn: string) => {
    key(name);
    ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    );
  };
  const issue = (name: string, issuer: string, subj: string, ext: string) => {
    key(name);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`);
    writeFileSync(p(`${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  };
  ca('ca', 'Gatehouse Test CA');
  ca('otherca', 'Other CA');
  issue('server', 'ca', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue('worker', 'ca', '/O=Example/CN=worker', 'subjectAltName=DNS:worker.example\nextendedKeyUsage=clientAuth\n');
  issue('intruder', 'ca', '/O=Example/CN=intruder', 'extendedKeyUsage=clientAuth\n');
  issue('forged', 'otherca', '/O=Example/CN=worker', 'subjectAltName=DNS:worker.example\nextendedKeyUsage=clientAuth\n');
  key('self');
  ssl('req', '-x509', '-new', '-key', 'self.key', '-subj', '/CN=self-signed client', '-days', '2', '-out', 'self.pem');
  const pem = (n: string) => readFileSync(p(`${n}.pem`), 'utf8');
  const der = (n: string) => new X509Certificate(pem(n)).raw;
  return {
    dir,
    path: (n) => p(n),
    pem,
    thumbprint: (n) => createHash('sha256').update(der(n)).digest('base64url'),
    header: (n) => `:${der(n).toString('base64')}:`,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `fetch` over node:https with a client certificate (the global fetch cannot present one). */
export function tlsFetch(tls: { ca: string; cert?: string; key?: string }) {
  return (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const body = init.body === undefined || init.body === null ? undefined : String(init.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = httpsRequest(url, { method: init.method ?? 'GET', headers, ...tls }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: h }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
}
