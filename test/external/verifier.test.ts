import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GatehouseError } from '../../src/errors/index.ts';
import { createExternalVerifier } from '../../src/external/verifier.ts';
import { createAuthenticator } from '../../src/pipeline/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { TestIdp } from './idp.ts';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof GatehouseError, String(err));
    return err.error;
  }
}

describe('external issuers against a loopback provider', () => {
  const idp = new TestIdp();
  let t: TestApp;
  let orgId = '';
  let verifier: ReturnType<typeof createExternalVerifier>;

  before(async () => {
    await idp.start();
    t = await createTestApp('sqlite', { authMode: 'all', issuers: [], jwksTimeout: 0.3, jwksRefetchInterval: 30 });
    const reg = await t.app.inject({
      method: 'POST',
      url: '/v1/organizations/register',
      payload: {
        organization_name: 'Ext',
        organization_slug: 'ext',
        admin_email: 'e@example.com',
        admin_name: 'E',
        admin_password: 'a long password',
      },
    });
    orgId = reg.json().organization.id;
  });
  after(async () => {
    await t.close();
    await idp.stop();
  });
  beforeEach(() => {
    idp.mode = 'up';
  });

  function make(extra: Record<string, unknown> = {}) {
    const config = {
      ...t.config,
      issuers: [
        {
          issuer: idp.issuer,
          audience: 'urn:api',
          algorithms: ['RS256'],
          preset: 'generic',
          organization: 'claim:org',
          memorySpacesClaim: 'spaces',
          ...extra,
        },
      ],
    };
    return createExternalVerifier({ ...t.services, config: config as typeof t.config });
  }

  test('a valid token becomes a Principal of the mapped organization, with scopes and spaces', async () => {
    verifier = make();
    assert.ok(verifier.trusts(idp.issuer) && verifier.trusts(`${idp.issuer}/`));
    const token = await idp.sign(
      { org: 'ext', scope: 'contexts:read tools:execute:github', permissions: ['memories:write'], spaces: ['tenant_ext'] },
      { now: t.clock.now() },
    );
    const p = await verifier.verify(token, idp.issuer, { ip: '127.0.0.1' });
    assert.equal(p.kind, 'external');
    assert.equal(p.subject, 'ext-user-1');
    assert.equal(p.organizationId, orgId);
    assert.deepEqual([...p.scopes].sort(), ['contexts:read', 'memories:write', 'tools:execute:github']);
    assert.deepEqual(p.memorySpaces, ['tenant_ext']);
  });

  test('refusals: audience, issuer, expiry, unknown organization, algorithm, alg none, HMAC with the public key', async () => {
    verifier = make();
    const now = t.clock.now();
    const v = (tok: string) => code(verifier.verify(tok, idp.issuer, { ip: '1' }));
    assert.equal(await v(await idp.sign({ org: 'ext', aud: 'other' }, { now })), 'invalid_audience');
    assert.equal(await v(await idp.sign({ org: 'ext', iss: 'https://evil.example' }, { now })), 'invalid_issuer');
    assert.equal(await v(await idp.sign({ org: 'ext', exp: Math.floor(now / 1000) - 100 }, { now })), 'token_expired');
    assert.equal(await v(await idp.sign({ org: 'nope' }, { now })), 'invalid_token');
    // Issued in the future beyond the clock skew (30 s): ERR-4011, as docs/errors.md says.
    const issuedLater = Math.floor(now / 1000) + 31;
    assert.equal(await v(await idp.sign({ org: 'ext', iat: issuedLater, exp: issuedLater + 600 }, { now })), 'token_not_yet_valid');
    assert.equal(await v(await idp.sign({ org: 'ext', iat: issuedLater - 1 }, { now })), 'ok');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(await v(await idp.sign({ org: 'ext' }, { now, alg: 'ES256', key: ec.privateKey })), 'unsupported_algorithm');
    const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const claims = b64({ iss: idp.issuer, aud: 'urn:api', sub: 'x', org: 'ext', exp: Math.floor(now / 1000) + 600 });
    assert.equal(await v(`${b64({ alg: 'none' })}.${claims}.`), 'invalid_token');
    const pem = idp.publicKey.export({ format: 'pem', type: 'spki' });
    const h = b64({ alg: 'HS256', kid: 'k' });
    const sig = createHmac('sha256', pem).update(`${h}.${claims}`).digest('base64url');
    assert.equal(await v(`${h}.${claims}.${sig}`), 'unsupported_algorithm');
  });

  test('keys are never taken from the token (jwk, jku, x5u headers)', async () => {
    verifier = make();
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await idp.sign(
      { org: 'ext' },
      {
        now: t.clock.now(),
        kid: 'attacker',
        key: attacker.privateKey,
        header: { jwk: attacker.publicKey.export({ format: 'jwk' }), jku: 'http://127.0.0.1:1/jwks', x5u: 'http://127.0.0.1:1/x' },
      },
    );
    assert.equal(await code(verifier.verify(token, idp.issuer, { ip: '1' })), 'unknown_signing_key');
  });

  test('rotation at the provider: a new kid triggers one refetch; unknown kids refetch at most once per 30 s', async () => {
    verifier = make();
    const now = () => t.clock.now();
    await verifier.verify(await idp.sign({ org: 'ext' }, { now: now() }), idp.issuer, { ip: '1' });
    const fetches = verifier.jwksFetches(idp.issuer);
    t.clock.advance(31_000);
    idp.rotate();
    const fresh = await idp.sign({ org: 'ext' }, { now: now() });
    assert.equal(await code(verifier.verify(fresh, idp.issuer, { ip: '1' })), 'ok');
    assert.equal(verifier.jwksFetches(idp.issuer), fetches + 1);
    const bogus = await idp.sign({ org: 'ext' }, { now: now(), kid: 'never-published' });
    assert.equal(await code(verifier.verify(bogus, idp.issuer, { ip: '1' })), 'unknown_signing_key');
    assert.equal(await code(verifier.verify(bogus, idp.issuer, { ip: '1' })), 'unknown_signing_key');
    assert.equal(verifier.jwksFetches(idp.issuer), fetches + 1, 'no refetch storm within 30 s');
  });

  test('provider down: cached keys keep working; a cold cache is 503 issuer_unavailable', async () => {
    verifier = make();
    const token = await idp.sign({ org: 'ext' }, { now: t.clock.now() });
    await verifier.verify(token, idp.issuer, { ip: '1' });
    idp.mode = 'down';
    assert.equal(await code(verifier.verify(token, idp.issuer, { ip: '1' })), 'ok');
    const cold = make();
    assert.equal(await code(cold.verify(token, idp.issuer, { ip: '1' })), 'issuer_unavailable');
  });

  test('slow, oversized and mismatched discovery documents are refused', async () => {
    const token = await idp.sign({ org: 'ext' }, { now: t.clock.now() });
    for (const mode of ['slow', 'huge', 'wrong-issuer'] as const) {
      idp.mode = mode;
      assert.equal(await code(make().verify(token, idp.issuer, { ip: '1' })), 'issuer_unavailable', mode);
    }
  });

  test('the pipeline: oauth2 and all modes accept external tokens; token mode refuses them', async () => {
    verifier = make();
    const token = await idp.sign({ org: 'ext' }, { now: t.clock.now() });
    const req = { headers: { authorization: `Bearer ${token}` }, ip: '127.0.0.1' };
    for (const mode of ['oauth2', 'all'] as const) {
      const auth = createAuthenticator({ mode, accessTokens: t.services.tokens, apiKeys: t.services.apiKeys, external: verifier });
      assert.equal((await auth.authenticate(req)).kind, 'external');
    }
    const tokenMode = createAuthenticator({
      mode: 'token',
      accessTokens: t.services.tokens,
      apiKeys: t.services.apiKeys,
      external: verifier,
    });
    assert.equal(await code(tokenMode.authenticate(req)), 'credential_kind_not_allowed');
  });
});
