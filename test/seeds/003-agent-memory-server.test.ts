/**
 * The Redis-backed memory-server page (seeds/003): auth modes by environment, CLI token
 * management with partial hashes, OAuth2/JWT with only issuer and audience configured, and the
 * documented 401s — verbatim but for the base URL (`http://localhost:8000`) and `uv run
 * agent-memory`, which is `gatehouse` here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { logExternalIssuers } from '../../src/cli/external-summary.ts';
import { loadConfig } from '../../src/config/index.ts';
import { configuredIssuers } from '../../src/config/options/external.ts';
import { TestIdp } from '../external/idp.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { at, curl, initOperator, type SeedServer, startSeedServer } from './support.ts';

describe('seeds/003: authentication modes', () => {
  test('AUTH_MODE=disabled and the legacy DISABLE_AUTH=true: requests without tokens go through, loudly', async () => {
    const settings: Record<string, string>[] = [{ AUTH_MODE: 'disabled' }, { DISABLE_AUTH: 'true' }];
    for (const env of settings) {
      const s = await startSeedServer(env);
      try {
        const r = await curl(s.base, 'GET', '/v1/auth/me', { 'Content-Type': 'application/json' });
        assert.equal(r.status, 200, JSON.stringify(env));
        assert.equal(at(r.json, 'principal', 'kind'), 'development');
        assert.equal((await curl(s.base, 'GET', '/health')).json.auth_mode, 'disabled');
      } finally {
        await s.close();
      }
    }
  });

  test('AUTH_MODE=token or TOKEN_AUTH_ENABLED=true: tokens are required (Gatehouse requires them by default)', async () => {
    for (const env of [{ AUTH_MODE: 'token' }, { TOKEN_AUTH_ENABLED: 'true' }]) {
      assert.equal(loadConfig({ env }).authMode, 'token', JSON.stringify(env));
    }
  });

  test('the provider examples are valid configurations; OAUTH2_ALGORITHMS as the page writes it, unquoted, or as a list', () => {
    const providers = [
      ['https://your-domain.auth0.com/', 'https://your-api.com'],
      ['https://cognito-idp.region.amazonaws.com/your-user-pool-id', 'your-app-client-id'],
      ['https://your-domain.okta.com/oauth2/default', 'api://default'],
      ['https://login.microsoftonline.com/your-tenant-id/v2.0', 'your-application-id'],
    ];
    for (const [OAUTH2_ISSUER_URL = '', OAUTH2_AUDIENCE = ''] of providers) {
      const config = loadConfig({ env: { AUTH_MODE: 'oauth2', OAUTH2_ISSUER_URL, OAUTH2_AUDIENCE } });
      assert.equal(configuredIssuers(config)[0]?.issuer, OAUTH2_ISSUER_URL);
    }
    for (const [raw, want] of [
      ['["RS256"]', ['RS256']],
      ['[RS256]', ['RS256']],
      ['RS256,ES256', ['RS256', 'ES256']],
    ] as const) {
      const config = loadConfig({
        env: { OAUTH2_ISSUER_URL: 'https://your-auth-provider.com', OAUTH2_AUDIENCE: 'your-api-audience', OAUTH2_ALGORITHMS: raw },
      });
      assert.deepEqual(configuredIssuers(config)[0]?.algorithms, want, raw);
    }
  });
});

describe('seeds/003: token authentication with the CLI', () => {
  let s: SeedServer;
  let first = '';
  let fingerprint = '';

  before(async () => {
    // A key revoked by the CLI (another process) reaches the running server through the change feed.
    s = await startSeedServer({ AUTH_MODE: 'token' });
    initOperator(s);
    // A sign-up makes a second (personal) organization: the CLI still needs no --org.
    const r = await curl(
      s.base,
      'POST',
      '/v1/auth/register',
      { 'content-type': 'application/json' },
      '{"email":"u@example.com","password":"user long password"}',
    );
    registerSecret(String(at(r.json, 'tokens', 'access_token')));
    registerSecret(String(at(r.json, 'tokens', 'refresh_token')));
  });
  after(async () => s.close());

  test('token add --description … --expires-days 30, and a permanent one', () => {
    const r = s.cli(['token', 'add', '--description', 'API access token', '--expires-days', '30']);
    assert.equal(r.status, 0, r.stderr);
    first = r.stdout.split('\n')[0] ?? '';
    registerSecret(first);
    assert.match(first, /^sk_live_[0-9A-Za-z]{39}$/);
    assert.match(r.stderr, /using the operator organization acme/);
    const permanent = s.cli(['token', 'add', '--description', 'Service account token', '--json']);
    assert.equal(permanent.status, 0, permanent.stderr);
    const made = JSON.parse(permanent.stdout) as { key: string; expires_at: string | null };
    registerSecret(made.key);
    assert.equal(made.expires_at, null);
  });

  test('use the token as a Bearer token', async () => {
    const r = await curl(s.base, 'GET', '/v1/auth/me', { Authorization: `Bearer ${first}`, 'Content-Type': 'application/json' });
    assert.equal(r.status, 200);
    const memory = await curl(s.base, 'GET', '/v1/working-memory/', { Authorization: `Bearer ${first}` });
    assert.equal(memory.status, 404, 'working memory is the product API Gatehouse protects');
  });

  test('token list shows masked keys and hash fingerprints; show and remove take a partial hash', async () => {
    const list = s.cli(['token', 'list']);
    assert.equal(list.status, 0, list.stderr);
    assert.ok(!list.stdout.includes(first), 'never the key itself');
    const line = list.stdout.split('\n').find((l) => l.includes('API access token')) ?? '';
    const [, hash = '', masked = ''] = line.split('\t');
    assert.match(hash, /^[\w-]{8}$/);
    assert.equal(masked, `${first.slice(0, 12)}…${first.slice(-4)}`);
    fingerprint = hash;
    // A fingerprint is base64url and may start with '-': then it follows `--`, as any such argument.
    const fp = fingerprint.startsWith('-') ? ['--', fingerprint] : [fingerprint];
    const show = s.cli(['token', 'show', ...fp]);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /description\s+API access token/);
    const asked = s.cli(['token', 'remove', ...fp]);
    assert.equal(asked.status, 1, 'without a terminal to confirm on, nothing is removed');
    assert.match(asked.stderr, /--force/);
    const removed = s.cli(['token', 'remove', '--force', ...fp]);
    assert.equal(removed.status, 0, removed.stderr);
    // The CLI is another process: the server sees the revocation when its cached copy expires.
    let status = 0;
    for (let i = 0; i < 40 && status !== 401; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await curl(s.base, 'GET', '/v1/auth/me', { Authorization: `Bearer ${first}` })).status;
    }
    assert.equal(status, 401, 'a removed token stops working');
  });

  test('documented 401s: missing header, empty bearer, invalid token — with a detail', async () => {
    const variants: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer' },
      { Authorization: 'Basic dXNlcjpwYXNz' },
      { Authorization: 'Bearer not-a-token' },
    ];
    for (const headers of variants) {
      const r = await curl(s.base, 'GET', '/v1/auth/me', headers);
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(typeof r.json.detail, 'string');
      assert.equal(r.json.status, 401);
      assert.match(String(r.headers.get('www-authenticate')), /^Bearer realm="gatehouse"/);
    }
  });

  test('/health, /docs and /openapi.json need no authentication', async () => {
    for (const path of ['/health', '/docs', '/openapi.json']) assert.equal((await curl(s.base, 'GET', path)).status, 200, path);
  });
});

describe('seeds/003: OAuth2/JWT with only the issuer and audience configured', () => {
  const idp = new TestIdp();
  let s: SeedServer;
  let orgId = '';

  before(async () => {
    await idp.start();
    s = await startSeedServer({
      AUTH_MODE: 'oauth2',
      OAUTH2_ISSUER_URL: idp.issuer,
      OAUTH2_AUDIENCE: 'your-api-audience',
      OAUTH2_JWKS_URL: `${idp.issuer}/jwks`,
      OAUTH2_ALGORITHMS: '[RS256]',
    });
    const r = await curl(
      s.base,
      'POST',
      '/v1/organizations/register',
      { 'content-type': 'application/json' },
      '{"organization_name":"Memory","organization_slug":"memory","admin_email":"m@example.com","admin_name":"M","admin_password":"memory long password"}',
    );
    orgId = String(at(r.json, 'organization', 'id'));
    registerSecret(String(at(r.json, 'tokens', 'access_token')));
    registerSecret(String(at(r.json, 'tokens', 'refresh_token')));
    registerSecret(String(at(r.json, 'api_key', 'key')));
  });
  after(async () => {
    await s.close();
    await idp.stop();
  });

  const jwt = (claims: Record<string, unknown> = {}, opts: { kid?: string } = {}) =>
    idp.sign({ aud: 'your-api-audience', scope: '*', ...claims }, { now: Date.now(), ...opts });

  test('a valid token of the issuer is accepted and acts for the operator organization (said at start)', async () => {
    const r = await curl(s.base, 'GET', '/v1/auth/me', { Authorization: `Bearer ${await jwt()}`, 'Content-Type': 'application/json' });
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.equal(at(r.json, 'principal', 'kind'), 'external');
    assert.equal(at(r.json, 'organization', 'id'), orgId);
    // The start-up line names the organization; the server started before it existed, so ask again.
    const start = s.logs.length;
    await logExternalIssuers(s.services);
    const logged = s.logs
      .slice(start)
      .map((l) => String(l.msg))
      .join('\n');
    assert.match(logged, new RegExp(`act for the operator organization memory \\(${orgId}\\)`));
    assert.ok(
      s.logs.some((l) => /operator organization, which does not exist yet/.test(String(l.msg))),
      'before any organization existed, the start-up log said so',
    );
  });

  test('an external principal never administers the server, whatever its scopes', async () => {
    const token = await jwt({ scope: '* signing_keys:write signing_keys:read keys:write' });
    const rotate = await curl(s.base, 'POST', '/v1/signing-keys/rotate', { Authorization: `Bearer ${token}` });
    assert.equal(rotate.status, 403);
    const list = await curl(s.base, 'GET', '/v1/signing-keys', { Authorization: `Bearer ${token}` });
    assert.equal(list.status, 403);
    const key = await curl(
      s.base,
      'POST',
      '/v1/api-keys',
      { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      '{"name":"x","scopes":["*"]}',
    );
    assert.equal(key.status, 403, 'nor mints a lasting key');
    const invite = await curl(
      s.base,
      'POST',
      '/api/v1/auth/users/invite',
      { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      '{"email":"a@example.com","role":"admin"}',
    );
    assert.equal(invite.status, 403, 'nor makes an admin');
  });

  test('JWT requirements: expiry, audience, issuer, a known kid, a subject', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<string>, RegExp][] = [
      ['expired', jwt({ exp: now - 120 }), /Token has expired/],
      ['audience', jwt({ aud: 'someone-else' }), /Invalid audience/],
      ['kid', jwt({}, { kid: 'unknown-kid' }), /Unable to find matching public key/],
      ['subject', jwt({ sub: undefined }), /Missing claim: sub/],
    ];
    for (const [name, token, detail] of cases) {
      const r = await curl(s.base, 'GET', '/v1/auth/me', { Authorization: `Bearer ${await token}` });
      assert.equal(r.status, 401, name);
      assert.match(`${String(r.json.title)} ${String(r.json.detail)}`, detail, name);
    }
  });
});
