/**
 * Our node:crypto verifier against jose on the same tokens: both must accept every valid token
 * and reject every hostile one, and ours must name the specific reason.
 */
import assert from 'node:assert/strict';
import { createHmac, createSecretKey, sign as cryptoSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { jwtVerify, SignJWT } from 'jose';
import { GatehouseError } from '../../src/errors/index.ts';
import { type JwsAlgorithm, verifyJwt } from '../../src/tokens/jws.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const iat = Math.floor(NOW / 1000);
const ISS = 'https://issuer.test';
const AUD = 'api';

interface Keys {
  sign: KeyObject;
  verify: KeyObject;
}

function keysFor(alg: JwsAlgorithm): Keys {
  if (alg === 'HS256') {
    const k = createSecretKey(randomBytes(32));
    return { sign: k, verify: k };
  }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { sign: pair.privateKey, verify: pair.publicKey };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

async function mint(alg: JwsAlgorithm, key: KeyObject, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  return new SignJWT({ iss: ISS, aud: AUD, iat, exp: iat + 600, sub: 'usr_1', ...claims })
    .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt', ...header })
    .sign(key);
}

/** Signs raw header and payload by hand (for headers jose refuses to produce). */
function handSign(alg: JwsAlgorithm, key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const data = `${b64(header)}.${b64(payload)}`;
  const buf = Buffer.from(data);
  const sig =
    alg === 'HS256'
      ? createHmac('sha256', key).update(buf).digest()
      : alg === 'EdDSA'
        ? cryptoSign(null, buf, key)
        : alg === 'ES256'
          ? cryptoSign('sha256', buf, { key, dsaEncoding: 'ieee-p1363' })
          : alg === 'PS256'
            ? cryptoSign('sha256', buf, { key, padding: 6, saltLength: 32 })
            : cryptoSign('sha256', buf, key);
  return `${data}.${sig.toString('base64url')}`;
}

const opts = {
  algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'] as JwsAlgorithm[],
  issuer: ISS,
  audience: AUD,
  clockSkew: 30,
  now: NOW,
  typ: 'at+jwt',
};

async function ours(token: string, key: KeyObject, algorithms = opts.algorithms): Promise<string> {
  try {
    await verifyJwt(token, () => key, { ...opts, algorithms });
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof GatehouseError, `not a GatehouseError: ${String(err)}`);
    if (token.length > 40) assert.ok(!err.detail.includes(token.slice(-20)), 'error detail echoes the token');
    return err.error;
  }
}

async function theirs(token: string, key: KeyObject, algorithms = opts.algorithms): Promise<string> {
  try {
    await jwtVerify(token, key, {
      algorithms,
      issuer: ISS,
      audience: AUD,
      clockTolerance: 30,
      // jose checks that `iat` is not in the future only with a maxTokenAge (every token here has an iat).
      maxTokenAge: '10y',
      currentDate: new Date(NOW),
      typ: 'at+jwt',
      requiredClaims: ['exp'],
    });
    return 'ok';
  } catch {
    return 'rejected';
  }
}

async function agree(token: string, key: KeyObject, expected: string, algorithms = opts.algorithms): Promise<void> {
  const [a, b] = [await ours(token, key, algorithms), await theirs(token, key, algorithms)];
  assert.equal(a, expected, `ours: ${a}`);
  assert.equal(b, expected === 'ok' ? 'ok' : 'rejected', `jose: ${b} (ours ${a})`);
}

for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'] as JwsAlgorithm[]) {
  describe(`differential: ${alg}`, () => {
    const k = keysFor(alg);
    const other = keysFor(alg);

    test('valid token, and inside the clock skew', async () => {
      await agree(await mint(alg, k.sign), k.verify, 'ok');
      await agree(await mint(alg, k.sign, { exp: iat - 10 }), k.verify, 'ok');
      await agree(await mint(alg, k.sign, { nbf: iat + 10 }), k.verify, 'ok');
      await agree(await mint(alg, k.sign, { iat: iat + 30 }), k.verify, 'ok');
    });

    test('issued in the future beyond the skew: token_not_yet_valid', async () => {
      await agree(await mint(alg, k.sign, { iat: iat + 31 }), k.verify, 'token_not_yet_valid');
      await agree(await mint(alg, k.sign, { iat: iat + 86_400, exp: iat + 90_000 }), k.verify, 'token_not_yet_valid');
    });

    test('claims nested deeper than 32 levels: invalid_token (ours only: jose has no such bound)', async () => {
      let deep: unknown = 1;
      for (let i = 0; i < 40; i++) deep = [deep];
      assert.equal(await ours(await mint(alg, k.sign, { deep }), k.verify), 'invalid_token');
    });

    test('claims: expired, not yet valid, wrong issuer, wrong or missing audience, no exp', async () => {
      await agree(await mint(alg, k.sign, { exp: iat - 31 }), k.verify, 'token_expired');
      await agree(await mint(alg, k.sign, { nbf: iat + 120 }), k.verify, 'token_not_yet_valid');
      await agree(await mint(alg, k.sign, { iss: 'https://evil.test' }), k.verify, 'invalid_issuer');
      await agree(await mint(alg, k.sign, { aud: 'other' }), k.verify, 'invalid_audience');
      await agree(await mint(alg, k.sign, { aud: ['x', AUD] }), k.verify, 'ok');
      await agree(await mint(alg, k.sign, { aud: undefined }), k.verify, 'invalid_audience');
      await agree(await mint(alg, k.sign, { exp: undefined }), k.verify, 'invalid_token');
      await agree(await mint(alg, k.sign, { exp: 'soon' }), k.verify, 'invalid_token');
    });

    test('signature: other key, tampered payload, header and signature', async () => {
      const token = await mint(alg, k.sign);
      await agree(await mint(alg, other.sign), k.verify, 'invalid_token');
      const [h, p, s] = token.split('.') as [string, string, string];
      await agree(`${h}.${b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' })}.${s}`, k.verify, 'invalid_token');
      await agree(`${b64({ alg, kid: 'k2', typ: 'at+jwt' })}.${p}.${s}`, k.verify, 'invalid_token');
      const flipped = Buffer.from(s, 'base64url');
      flipped[0] = (flipped[0] ?? 0) ^ 1;
      await agree(`${h}.${p}.${flipped.toString('base64url')}`, k.verify, 'invalid_token');
    });

    test('shape: truncated, extra segments, bad characters, empty signature, huge header', async () => {
      const token = await mint(alg, k.sign);
      const [h, p, s] = token.split('.') as [string, string, string];
      for (const bad of [`${h}.${p}`, `${token}.x`, `${h}.${p}.${s}!`, `${h}.${p}.`, `${h}..${s}`, `${h}=.${p}.${s}`, '', '...']) {
        await agree(bad, k.verify, 'invalid_token');
      }
      await agree(`${b64({ alg, typ: 'at+jwt', pad: 'x'.repeat(5000) })}.${p}.${s}`, k.verify, 'invalid_token');
      await agree(`${b64('[1]')}.${p}.${s}`, k.verify, 'invalid_token');
    });

    test('header: alg none, alg outside the allowlist, crit, b64=false, wrong typ', async () => {
      const token = await mint(alg, k.sign);
      const [, p] = token.split('.') as [string, string];
      await agree(`${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`, k.verify, 'invalid_token');
      await agree(`${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.${b64('x')}`, k.verify, 'unsupported_algorithm');
      await agree(
        token,
        k.verify,
        'unsupported_algorithm',
        opts.algorithms.filter((a) => a !== alg),
      );
      const claims = { iss: ISS, aud: AUD, iat, exp: iat + 600 };
      await agree(handSign(alg, k.sign, { alg, typ: 'at+jwt' }, claims), k.verify, 'ok');
      await agree(handSign(alg, k.sign, { alg, typ: 'at+jwt', crit: ['exp'], exp: 1 }, claims), k.verify, 'invalid_token');
      await agree(handSign(alg, k.sign, { alg, typ: 'at+jwt', b64: false, crit: ['b64'] }, claims), k.verify, 'invalid_token');
      await agree(await mint(alg, k.sign, {}, { typ: 'JWT' }), k.verify, 'invalid_token');
    });

    test('keys never come from the header (jwk, jku, x5u)', async () => {
      const attacker = keysFor(alg);
      const jwk = alg === 'HS256' ? { kty: 'oct', k: 'AAAA' } : attacker.verify.export({ format: 'jwk' });
      await agree(
        await mint(alg, attacker.sign, {}, { jwk, jku: 'https://evil.test/jwks', x5u: 'https://evil.test/c' }),
        k.verify,
        'invalid_token',
      );
    });
  });
}

describe('differential: cross-algorithm attacks', () => {
  test('HS256 signed with the RSA public key (alg confusion) is rejected', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
    const h = b64({ alg: 'HS256', typ: 'at+jwt' });
    const p = b64({ iss: ISS, aud: AUD, iat, exp: iat + 600 });
    const sig = createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url');
    await agree(`${h}.${p}.${sig}`, rsa.publicKey, 'invalid_token');
  });

  test('ES256 with a DER-encoded signature (JOSE wants raw r||s) is rejected', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const h = b64({ alg: 'ES256', typ: 'at+jwt' });
    const p = b64({ iss: ISS, aud: AUD, iat, exp: iat + 600 });
    const der = cryptoSign('sha256', Buffer.from(`${h}.${p}`), ec.privateKey).toString('base64url');
    await agree(`${h}.${p}.${der}`, ec.publicKey, 'invalid_token');
  });

  test('an ES256 token checked against a P-384 key, and RS256 against an EC key, are rejected', async () => {
    const p256 = keysFor('ES256');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    await agree(await mint('ES256', p256.sign), p384.publicKey, 'invalid_token');
    const rsa = keysFor('RS256');
    await agree(await mint('RS256', rsa.sign), p256.verify, 'invalid_token');
  });

  test('a 1024-bit RSA key is refused', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const h = b64({ alg: 'RS256', typ: 'at+jwt' });
    const p = b64({ iss: ISS, aud: AUD, iat, exp: iat + 600 });
    const sig = cryptoSign('sha256', Buffer.from(`${h}.${p}`), weak.privateKey).toString('base64url');
    await agree(`${h}.${p}.${sig}`, weak.publicKey, 'invalid_token');
  });
});
