/**
 * In-process micro-benchmark: for each JWT algorithm Gatehouse accepts, the cost of Gatehouse's
 * verification (`verifyJwt` in src/tokens/jws.ts: parse, header and `alg` checks, key-family check,
 * signature, claims) against a bare `node:crypto` verify of the same signature over the same bytes
 * (the physical floor), and, for reference, jose's `jwtVerify` with the same checks.
 */
import { createHmac, verify as cryptoVerify, type KeyObject, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { jwtVerify, SignJWT } from 'jose';
import { type JwsAlgorithm, verifyJwt } from '../../src/tokens/jws.ts';
import { generateKey, keyObjects, type SigningAlgorithm } from '../../src/tokens/key-material.ts';
import { median } from './proc.ts';

export interface MicroRow {
  alg: SigningAlgorithm;
  /** Microseconds per verification. */
  floor: number;
  gatehouse: number;
  jose: number;
}

const ISSUER = 'https://gatehouse.example';
const AUDIENCE = 'gatehouse';

/** Calls `fn` repeatedly for `ms` milliseconds (after a warm-up of a quarter of that) and returns µs per call. */
async function usPerCall(ms: number, fn: () => unknown): Promise<number> {
  const warmUntil = performance.now() + ms / 4;
  while (performance.now() < warmUntil) await fn();
  let n = 0;
  const t0 = performance.now();
  const until = t0 + ms;
  while (performance.now() < until) {
    for (let i = 0; i < 32; i++) await fn();
    n += 32;
  }
  return ((performance.now() - t0) * 1000) / n;
}

function floorVerifier(alg: SigningAlgorithm, key: KeyObject, data: Buffer, sig: Buffer): () => boolean {
  switch (alg) {
    case 'HS256':
      return () => timingSafeEqual(createHmac('sha256', key).update(data).digest(), sig);
    case 'RS256':
      return () => cryptoVerify('sha256', data, key, sig);
    case 'ES256':
      return () => cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    default:
      return () => cryptoVerify(null, data, key, sig);
  }
}

/** Medians of `rounds` interleaved measurements (floor, Gatehouse, jose, floor, …) per algorithm. */
export async function jwtMicro(msPerMeasure: number, rounds = 3): Promise<MicroRow[]> {
  const rows: MicroRow[] = [];
  for (const alg of ['EdDSA', 'ES256', 'RS256', 'HS256'] as const) {
    const generated = generateKey(alg);
    const { signing, verifying } = keyObjects(alg, generated.privateBytes);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ client_id: 'gatehouse', org_id: 'org_bench', role: 'owner', scope: '*', sid: 'ses_bench' })
      .setProtectedHeader({ alg, kid: generated.kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject('usr_bench')
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti('jti_bench')
      .sign(signing);
    const dot = token.lastIndexOf('.');
    const data = Buffer.from(token.slice(0, dot), 'ascii');
    const sig = Buffer.from(token.slice(dot + 1), 'base64url');
    const floor = floorVerifier(alg, verifying, data, sig);
    if (!floor()) throw new Error(`${alg}: the floor verifier rejected a valid signature`);
    const algorithms: JwsAlgorithm[] = ['RS256', 'ES256', 'EdDSA', 'HS256'];
    const opts = {
      algorithms,
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
      clockSkew: 30,
      requiredClaims: ['sub', 'jti', 'iat', 'org_id'],
    };
    const gatehouse = () => verifyJwt(token, () => verifying, { ...opts, now: Date.now() });
    await gatehouse();
    const jose = () =>
      jwtVerify(token, verifying, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', clockTolerance: 30 });
    await jose();
    const runs = { floor: [] as number[], gatehouse: [] as number[], jose: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      runs.floor.push(await usPerCall(msPerMeasure, floor));
      runs.gatehouse.push(await usPerCall(msPerMeasure, gatehouse));
      runs.jose.push(await usPerCall(msPerMeasure, jose));
    }
    rows.push({ alg, floor: median(runs.floor), gatehouse: median(runs.gatehouse), jose: median(runs.jose) });
  }
  return rows;
}
