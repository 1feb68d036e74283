import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as oidc from 'openid-client';
import pg from 'pg';
import { authorizeInBrowser } from '../oauth/browser.ts';
import { runCli } from '../support/cli.ts';
import { type ServerProcess, startServer } from '../support/serve-subprocess.ts';
import { type PrivatePostgres, startPrivatePostgres } from './support/private-postgres.ts';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.ts';
import { type RoundRobin, startRoundRobin } from './support/round-robin.ts';

/**
 * Three Gatehouse nodes on loopback, on a private PostgreSQL and a private Redis, behind a
 * round-robin balancer. Every "within 1 s" below is measured from the response that made the
 * change to the moment the last node answered the new way.
 */

const LIMIT = 30;
const PASSWORD = 'cluster owner password';
const secrets = { pepper: randomBytes(32).toString('base64url'), kek: randomBytes(32).toString('base64url') };
const dirs: string[] = [];
let postgres: PrivatePostgres;
let redis: PrivateRedis;
let lb: RoundRobin;
let nodes: ServerProcess[] = [];
let urls: string[] = [];
let owner: string;

const json = { 'content-type': 'application/json' };
let ipSeq = 1;
/** A client address of its own for each anonymous call, so the per-IP limit only bites where a test means it to. */
const fresh = () => ({ 'x-forwarded-for': `198.51.${Math.floor(ipSeq / 250)}.${(ipSeq++ % 250) + 1}` });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function env(dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_DATABASE_URL: postgres.url,
    GATEHOUSE_REDIS_URL: redis.url,
    GATEHOUSE_PEPPER: secrets.pepper,
    GATEHOUSE_KEY_ENCRYPTION_KEY: secrets.kek,
    GATEHOUSE_PUBLIC_URL: lb.url,
    GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1',
    GATEHOUSE_RATE_LIMIT_ANONYMOUS: String(LIMIT),
    GATEHOUSE_RATE_LIMIT_API_KEY: '1000000',
    GATEHOUSE_RATE_LIMIT_USER: '1000000',
    GATEHOUSE_LOG_LEVEL: 'info',
  };
}

async function login(email: string, password: string, base = lb.url): Promise<{ access_token: string; refresh_token: string }> {
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { ...json, ...fresh() },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { access_token: string; refresh_token: string };
}

async function status(url: string, init: RequestInit = {}): Promise<number> {
  return (await fetch(url, init)).status;
}

/**
 * Ms until every node answers `want` for `path` with `headers` (a GET, or `method`); fails past
 * `limitMs`. Each request comes from a client address of its own: a refused credential counts
 * against the anonymous per-IP limit, which polling from one address would exhaust (a 429, never
 * the 401 awaited).
 */
async function everyNode(path: string, headers: Record<string, string>, want: number, limitMs = 1000, method = 'GET'): Promise<number> {
  const start = Date.now();
  const times = await Promise.all(
    urls.map(async (u) => {
      for (;;) {
        if ((await status(`${u}${path}`, { method, headers: { ...headers, ...fresh() } })) === want) return Date.now() - start;
        if (Date.now() - start > limitMs + 2000) return Number.POSITIVE_INFINITY;
        await new Promise((r) => setTimeout(r, 10));
      }
    }),
  );
  const worst = Math.max(...times);
  assert.ok(worst <= limitMs, `every node answered ${want} only after ${worst} ms (per node: ${times.join(', ')})`);
  return worst;
}

/** Each node answers `want` now (caches warmed). */
async function eachNodeNow(path: string, headers: Record<string, string>, want: number, method = 'GET'): Promise<void> {
  for (const u of urls)
    for (let i = 0; i < 2; i++) assert.equal(await status(`${u}${path}`, { method, headers: { ...headers, ...fresh() } }), want, u);
}

const measured: Record<string, number> = {};
/** The last stderr of each node, shown when one has died where it should not have. */
const stderrTail: string[] = [];

/** Every node in `which` is still running (none exited on its own); a failure shows why one did. */
function assertRunning(which: readonly number[] = [0, 1, 2]): void {
  for (const i of which) {
    const { child } = nodes[i] as ServerProcess;
    assert.ok(
      child.exitCode === null && child.signalCode === null,
      `node ${i} exited (${child.exitCode ?? child.signalCode}): ${stderrTail[i] ?? ''}`,
    );
  }
}

before(async () => {
  [postgres, redis, lb] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startRoundRobin()]);
  const cliDir = mkdtempSync(join(tmpdir(), 'gh-cluster-cli-'));
  dirs.push(cliDir);
  const init = runCli(env(cliDir), ['init', '--org', 'Acme', '--email', 'ada@example.com', '--password-stdin'], `${PASSWORD}\n`);
  assert.equal(init.status, 0, init.stderr);
  nodes = [0, 1, 2].map((i) => {
    const d = mkdtempSync(join(tmpdir(), 'gh-node-'));
    dirs.push(d);
    const node = startServer(env(d));
    node.child.stderr?.on('data', (c: Buffer) => {
      stderrTail[i] = `${stderrTail[i] ?? ''}${c.toString()}`.slice(-4000);
    });
    return node;
  });
  urls = await Promise.all(nodes.map((n) => n.ready));
  lb.targets = [...urls];
  owner = (await login('ada@example.com', PASSWORD)).access_token;
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
  await lb?.close();
  await redis?.dispose();
  postgres?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  process.stdout.write(`# measured (ms until every node): ${JSON.stringify(measured)}\n`);
});

async function createKey(body: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const res = await fetch(`${lb.url}/v1/api-keys`, {
    method: 'POST',
    headers: { ...json, ...bearer(owner) },
    body: JSON.stringify({ name: `k-${randomBytes(3).toString('hex')}`, scopes: ['read'], ...body }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string; key: string };
}

test('a revoked API key is refused on every node within 1 s', async () => {
  const { id, key } = await createKey();
  await eachNodeNow('/v1/auth/me', { 'x-api-key': key }, 200);
  const res = await fetch(`${lb.url}/v1/api-keys/${id}`, { method: 'DELETE', headers: bearer(owner) });
  assert.ok(res.status < 300);
  measured.api_key_revoked = await everyNode('/v1/auth/me', { 'x-api-key': key }, 401);
});

test('a key rotated with no grace is refused on every node within 1 s', async () => {
  const { id, key } = await createKey();
  await eachNodeNow('/v1/auth/me', { 'x-api-key': key }, 200);
  const res = await fetch(`${lb.url}/v1/api-keys/${id}/rotate`, {
    method: 'POST',
    headers: { ...json, ...bearer(owner) },
    body: JSON.stringify({ grace_period_seconds: 0 }),
  });
  assert.ok(res.status < 300, await res.text());
  measured.api_key_rotated_past_grace = await everyNode('/v1/auth/me', { 'x-api-key': key }, 401);
});

test('a revoked refresh family (a reused refresh token) ends its access tokens on every node within 1 s', async () => {
  const first = await login('ada@example.com', PASSWORD);
  const refreshed = await fetch(`${lb.url}/v1/auth/refresh`, {
    method: 'POST',
    headers: { ...json, ...fresh() },
    body: JSON.stringify({ refresh_token: first.refresh_token }),
  });
  const second = (await refreshed.json()) as { access_token: string; refresh_token: string };
  await eachNodeNow('/v1/auth/me', bearer(second.access_token), 200);
  // The successor is used, so the old token is reuse, not a concurrent duplicate (refreshReuseLeeway).
  const third = await fetch(`${lb.url}/v1/auth/refresh`, {
    method: 'POST',
    headers: { ...json, ...fresh() },
    body: JSON.stringify({ refresh_token: second.refresh_token }),
  });
  assert.equal(third.status, 200);
  const reuse = await fetch(`${lb.url}/v1/auth/refresh`, {
    method: 'POST',
    headers: { ...json, ...fresh() },
    body: JSON.stringify({ refresh_token: first.refresh_token }),
  });
  assert.equal(reuse.status, 401);
  measured.refresh_family_revoked = await everyNode('/v1/auth/me', bearer(second.access_token), 401);
});

async function member(role = 'member'): Promise<{ email: string; token: string; userId: string }> {
  const email = `m-${randomBytes(3).toString('hex')}@example.com`;
  const password = 'member password long';
  const reg = await fetch(`${lb.url}/v1/auth/register`, {
    method: 'POST',
    headers: { ...json, ...fresh() },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(reg.status, 201);
  const userId = ((await reg.clone().json()) as { user: { id: string } }).user.id;
  // Joining takes the person's acceptance: the owner invites, the user accepts with their own session.
  const add = await fetch(`${lb.url}/v1/organizations/acme/members`, {
    method: 'POST',
    headers: { ...json, ...bearer(owner) },
    body: JSON.stringify({ email, role }),
  });
  assert.equal(add.status, 202, await add.clone().text());
  const { token: invitation } = (await add.json()) as { token: string };
  const ownSession = ((await reg.clone().json()) as { tokens: { access_token: string } }).tokens.access_token;
  const accept = await fetch(`${lb.url}/v1/invitations/accept`, {
    method: 'POST',
    headers: { ...json, ...bearer(ownSession) },
    body: JSON.stringify({ token: invitation }),
  });
  assert.equal(accept.status, 200, await accept.clone().text());
  const res = await fetch(`${lb.url}/v1/auth/login`, {
    method: 'POST',
    headers: { ...json, ...fresh() },
    body: JSON.stringify({ email, password, organization: 'acme' }),
  });
  assert.equal(res.status, 200);
  return { email, token: ((await res.json()) as { access_token: string }).access_token, userId };
}

test('a disabled user is refused on every node within 1 s', async () => {
  const m = await member();
  await eachNodeNow('/v1/auth/me', bearer(m.token), 200);
  const cliDir = dirs[0] as string;
  const res = runCli(env(cliDir), ['user', 'disable', m.email]);
  assert.equal(res.status, 0, res.stderr);
  measured.user_disabled = await everyNode('/v1/auth/me', bearer(m.token), 401);
});

test('a removed membership is refused on every node within 1 s', async () => {
  const m = await member();
  await eachNodeNow('/v1/auth/me', bearer(m.token), 200);
  const res = await fetch(`${lb.url}/v1/organizations/acme/members/${m.userId}`, { method: 'DELETE', headers: bearer(owner) });
  assert.equal(res.status, 204);
  measured.membership_removed = await everyNode('/v1/auth/me', bearer(m.token), 401);
});

/*
 * OAuth tokens. A token is checked with the decision API (`POST /v1/auth/check`), the call a
 * resource server makes. The OAuth calls go through the balancer (the issuer is its URL), each
 * from a client address of its own, so the anonymous per-IP limit never bites here.
 */
const CALLBACK = 'https://app.example.com/cb';
const check = '/v1/auth/check';

/** An OAuth client of Acme's, made through the management API. */
async function oauthClient(metadata: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }> {
  const res = await fetch(`${lb.url}/v1/oauth/clients`, {
    method: 'POST',
    headers: { ...json, ...bearer(owner) },
    body: JSON.stringify({ client_name: `c-${randomBytes(3).toString('hex')}`, ...metadata }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { client_id: string; client_secret?: string };
}

/** openid-client against the balancer's issuer, each of its requests from a fresh client address. */
async function oidcConfig(clientId: string, auth: oidc.ClientAuth, secret?: string): Promise<oidc.Configuration> {
  const viaFreshAddress: oidc.CustomFetch = (url, options) => fetch(url, { ...options, headers: { ...options.headers, ...fresh() } });
  const config = await oidc.discovery(new URL(lb.url), clientId, secret, auth, {
    execute: [oidc.allowInsecureRequests],
    [oidc.customFetch]: viaFreshAddress,
  });
  config[oidc.customFetch] = viaFreshAddress;
  return config;
}

/**
 * Runs `fn` with every `fetch` sent from one fresh client address: the sign-in pages' helper
 * (test/oauth/browser.ts) takes no headers, and its anonymous requests must not share the
 * balancer's own address with the rest of the suite (the per-IP limit here is `LIMIT`).
 */
async function fromFreshAddress<T>(fn: () => Promise<T>): Promise<T> {
  const original = globalThis.fetch;
  const address = fresh()['x-forwarded-for'];
  globalThis.fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('x-forwarded-for', address);
    return original(input, { ...init, headers });
  };
  try {
    return await fn();
  } finally {
    globalThis.fetch = original;
  }
}

/** A user-delegated grant: Ada signs in and consents on the real pages (through the balancer), the code is redeemed. */
async function authorizationCodeGrant(): Promise<{ config: oidc.Configuration; tokens: oidc.TokenEndpointResponse }> {
  const { client_id } = await oauthClient({
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
  });
  const config = await oidcConfig(client_id, oidc.None());
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid keys:read',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await fromFreshAddress(() => authorizeInBrowser(lb.url, url, { identifier: 'ada@example.com', password: PASSWORD }));
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
  return { config, tokens };
}

/** A client_credentials client and one access token of it. */
async function clientCredentialsGrant(): Promise<{ clientId: string; config: oidc.Configuration; token: string }> {
  const { client_id, client_secret } = await oauthClient({
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'reports:read',
  });
  assert.ok(client_secret);
  const config = await oidcConfig(client_id, oidc.ClientSecretBasic(client_secret), client_secret);
  const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
  return { clientId: client_id, config, token: access_token };
}

/** Every node refuses `refreshToken` at the token endpoint (`invalid_grant`). */
async function refreshRefusedOnEveryNode(clientId: string, refreshToken: string): Promise<void> {
  for (const u of urls) {
    const res = await fetch(`${u}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...fresh() },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
    });
    assert.equal(res.status, 400, u);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant', u);
  }
}

test('an OAuth refresh token revoked at /oauth/revoke: its grant ends on every node within 1 s (access token and refresh token)', async () => {
  const { config, tokens } = await authorizationCodeGrant();
  const refresh = String(tokens.refresh_token);
  await eachNodeNow(check, bearer(tokens.access_token), 200, 'POST');
  await oidc.tokenRevocation(config, refresh);
  measured.oauth_refresh_revoked = await everyNode(check, bearer(tokens.access_token), 401, 1000, 'POST');
  await refreshRefusedOnEveryNode(config.clientMetadata().client_id, refresh);
});

test('an OAuth user-delegated access token revoked at /oauth/revoke is refused on every node within 1 s', async () => {
  const { config, tokens } = await authorizationCodeGrant();
  await eachNodeNow(check, bearer(tokens.access_token), 200, 'POST');
  await oidc.tokenRevocation(config, tokens.access_token);
  measured.oauth_access_token_revoked = await everyNode(check, bearer(tokens.access_token), 401, 1000, 'POST');
  // The whole grant ended: its refresh token too.
  await refreshRefusedOnEveryNode(config.clientMetadata().client_id, String(tokens.refresh_token));
});

test("a revoked OAuth consent: its grant's tokens are refused on every node within 1 s", async () => {
  const { config, tokens } = await authorizationCodeGrant();
  await eachNodeNow(check, bearer(tokens.access_token), 200, 'POST');
  const clientId = config.clientMetadata().client_id;
  const list = await fetch(`${lb.url}/v1/oauth/consents`, { headers: bearer(owner) });
  const consent = ((await list.json()) as { data: { id: string; client_id: string }[] }).data.find((c) => c.client_id === clientId);
  assert.ok(consent, 'the consent is listed');
  const del = await fetch(`${lb.url}/v1/oauth/consents/${consent.id}`, { method: 'DELETE', headers: bearer(owner) });
  assert.equal(del.status, 200, await del.clone().text());
  measured.oauth_consent_revoked = await everyNode(check, bearer(tokens.access_token), 401, 1000, 'POST');
  await refreshRefusedOnEveryNode(clientId, String(tokens.refresh_token));
});

test('a deleted OAuth client: its client_credentials access tokens are refused on every node within 1 s', async () => {
  const { clientId, token } = await clientCredentialsGrant();
  await eachNodeNow(check, bearer(token), 200, 'POST');
  const del = await fetch(`${lb.url}/v1/oauth/clients/${clientId}`, { method: 'DELETE', headers: bearer(owner) });
  assert.ok(del.status < 300, await del.clone().text());
  measured.oauth_client_deleted = await everyNode(check, bearer(token), 401, 1000, 'POST');
});

test("a client_credentials access token revoked at /oauth/revoke is refused on every node within 1 s; the client's other tokens still pass", async () => {
  const { config, token } = await clientCredentialsGrant();
  const { access_token: other } = await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
  await eachNodeNow(check, bearer(token), 200, 'POST');
  await oidc.tokenRevocation(config, token);
  measured.oauth_client_credentials_token_revoked = await everyNode(check, bearer(token), 401, 1000, 'POST');
  await eachNodeNow(check, bearer(other), 200, 'POST');
});

test('a signing-key rotation on one node is published and used by every node within 1 s', async () => {
  const session = await login('ada@example.com', PASSWORD);
  for (const u of urls) assert.equal(await status(`${u}/.well-known/jwks.json`), 200);
  const rotated = await fetch(`${urls[0]}/v1/signing-keys/rotate`, { method: 'POST', headers: bearer(owner) });
  assert.equal(rotated.status, 201, await rotated.clone().text());
  const { kid } = (await rotated.json()) as { kid: string };
  const start = Date.now();
  let refresh = session.refresh_token;
  const worst = await Promise.all(
    urls.map(async (u) => {
      for (;;) {
        const jwks = (await (await fetch(`${u}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
        if (jwks.keys.some((k) => k.kid === kid)) return Date.now() - start;
        await new Promise((r) => setTimeout(r, 10));
        if (Date.now() - start > 3000) return Number.POSITIVE_INFINITY;
      }
    }),
  );
  measured.signing_key_published = Math.max(...worst);
  assert.ok(measured.signing_key_published <= 1000, `published after ${worst.join(', ')} ms`);
  // Tokens each node issues now carry the new kid (refresh through each node in turn).
  for (const u of urls) {
    const res = await fetch(`${u}/v1/auth/refresh`, {
      method: 'POST',
      headers: { ...json, ...fresh() },
      body: JSON.stringify({ refresh_token: refresh }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { access_token: string; refresh_token: string };
    refresh = body.refresh_token;
    const header = JSON.parse(Buffer.from(body.access_token.split('.')[0] as string, 'base64url').toString()) as { kid: string };
    assert.equal(header.kid, kid, `${u} signs with the new key`);
  }
  assert.ok(Date.now() - start <= 1000 + 2000, 'and within the measured second plus three refreshes');
});

/** N concurrent anonymous requests from one fresh client address, over the balancer: how many the limit admitted. */
interface Burst {
  admitted: number;
  limited: number;
  other: number[];
  /**
   * Requests the limit lets through on top of `LIMIT` while the burst lasted: the bucket refills
   * one request every 60 s / LIMIT (GCRA), so a burst that a loaded machine spreads over more than
   * that meets a slightly fuller bucket. 0 when the burst takes under 2 s, as on a quiet machine.
   */
  refill: number;
}

async function burst(n: number): Promise<Burst> {
  const ip = fresh();
  const start = Date.now();
  const statuses = await Promise.all(
    Array.from({ length: n }, () => status(`${lb.url}/v1/auth/register`, { method: 'POST', headers: { ...json, ...ip }, body: '{}' })),
  );
  return {
    admitted: statuses.filter((s) => s === 400).length,
    limited: statuses.filter((s) => s === 429).length,
    other: statuses.filter((s) => s !== 400 && s !== 429),
    refill: Math.floor((Date.now() - start) / (60_000 / LIMIT)),
  };
}

/** The three nodes shared one limit: exactly `LIMIT` admitted, plus what the bucket refilled meanwhile. */
const sharedLimit = (b: Burst) => b.other.length === 0 && b.admitted >= LIMIT && b.admitted <= LIMIT + b.refill;

/** The nodes' warnings and errors logged since `from` (a count of log lines per node): why a shared limit was not. */
function warningsSince(from: readonly number[]): string[] {
  return nodes.flatMap((n, i) =>
    n.lines
      .slice(from[i] ?? 0)
      .filter((l) => Number(l.level) >= 40)
      .map((l) => `node ${i}: ${String(l.msg)}`),
  );
}

test(`90 concurrent requests over three nodes against a limit of ${LIMIT} admit exactly ${LIMIT} (plus the refill, should the burst outlast 2 s)`, async () => {
  const from = nodes.map((n) => n.lines.length);
  const got = await burst(90);
  assert.ok(sharedLimit(got), `got ${JSON.stringify(got)}; node warnings: ${JSON.stringify(warningsSince(from))}`);
  assert.equal(got.admitted + got.limited, 90);
});

/** Requests through the balancer in a loop until `stop()`; every status seen. */
function load(path: string, headers: Record<string, string>, init: RequestInit = {}) {
  const statuses: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const s = await fetch(`${lb.url}${path}`, {
        ...init,
        headers: { ...headers, ...((init.headers as Record<string, string>) ?? {}) },
      }).then(
        (r) => r.status,
        () => -1,
      );
      statuses.push(s);
    }
  })();
  return {
    statuses,
    async stop() {
      running = false;
      await done;
      return statuses;
    },
  };
}

test('Redis killed under load: every node falls back (never a 500), then returns to shared limits by itself', async () => {
  const { key } = await createKey();
  const traffic = load('/v1/auth/me', { 'x-api-key': key });
  await new Promise((r) => setTimeout(r, 300));
  await redis.kill();
  await new Promise((r) => setTimeout(r, 1500));
  const down = await burst(60);
  assert.deepEqual(down.other, []);
  assert.ok(down.admitted >= LIMIT, 'each node counts alone while Redis is down');
  await redis.start();
  const deadline = Date.now() + 20_000;
  let back = await burst(60);
  while (!sharedLimit(back) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    back = await burst(60);
  }
  const statuses = await traffic.stop();
  assert.ok(sharedLimit(back), `shared limits again without a restart: ${JSON.stringify(back)}`);
  assert.ok(statuses.length > 10);
  assert.deepEqual(
    statuses.filter((s) => s !== 200),
    [],
    'API-key checks answered 200 throughout',
  );
  // Invalidation through Redis works again too.
  const again = await createKey();
  await eachNodeNow('/v1/auth/me', { 'x-api-key': again.key }, 200);
  await fetch(`${lb.url}/v1/api-keys/${again.id}`, { method: 'DELETE', headers: bearer(owner) });
  measured.api_key_revoked_after_redis_returned = await everyNode('/v1/auth/me', { 'x-api-key': again.key }, 401);
});

test('PostgreSQL restarted under load: clean failures, nothing committed lost, recovery without a node restart', async () => {
  const committed: string[] = [];
  const failures: { status: number; code?: string }[] = [];
  let running = true;
  const writer = (async () => {
    while (running) {
      const res = await fetch(`${lb.url}/v1/api-keys`, {
        method: 'POST',
        headers: { ...json, ...bearer(owner) },
        body: JSON.stringify({ name: `w-${committed.length}`, scopes: ['read'] }),
      }).catch(() => undefined);
      if (!res) failures.push({ status: -1 });
      else if (res.status === 201) committed.push(((await res.json()) as { id: string }).id);
      else {
        const text = await res.text();
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { code?: string }).code;
        } catch {
          code = undefined;
        }
        failures.push({ status: res.status, ...(code ? { code } : {}) });
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  await postgres.restart();
  const recoverBy = Date.now() + 20_000;
  const before = committed.length;
  while (committed.length < before + 5 && Date.now() < recoverBy) await new Promise((r) => setTimeout(r, 100));
  running = false;
  await writer;
  assert.ok(committed.length >= before + 5, 'writes succeed again after the restart, on the same nodes');
  // The balancer skips a dead node, so recovery "through the balancer" alone would hide a node
  // that died: every node must have lived through the restart (a checked-out pg client's unheard
  // `error` event used to end one node in about three runs).
  assertRunning();
  for (const f of failures) {
    assert.ok(f.status === 503 || f.status === 502, `a clean failure, got ${JSON.stringify(f)}`);
    if (f.status === 503) assert.ok(f.code, 'with a stable error code');
  }
  const c = new pg.Client({ connectionString: postgres.url });
  await c.connect();
  try {
    const rows = await c.query<{ id: string }>('select id from api_keys where id = any($1)', [committed]);
    assert.equal(rows.rowCount, committed.length, 'every key answered 201 is stored');
  } finally {
    await c.end();
  }
  measured.postgres_restart_failures = failures.length;
});

test('a node killed with SIGKILL under load: the others keep serving, and no half-written record remains', async () => {
  // The survivors must be running before the kill: this case once failed as "every read 502"
  // because two nodes had already died in the PostgreSQL restart (see that case).
  assertRunning();
  const { key } = await createKey();
  const reads = load('/v1/auth/me', { 'x-api-key': key });
  const writes = load('/v1/api-keys', bearer(owner), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ name: 'during-kill', scopes: ['read'] }),
  });
  await new Promise((r) => setTimeout(r, 400));
  await (nodes[2] as ServerProcess).stop('SIGKILL');
  const killedAt = reads.statuses.length;
  await new Promise((r) => setTimeout(r, 1500));
  const r = await reads.stop();
  const w = await writes.stop();
  const afterKill = r.slice(killedAt + 3);
  assert.ok(afterKill.length > 5);
  assertRunning([0, 1]);
  assert.deepEqual(
    afterKill.filter((s) => s !== 200),
    [],
    'reads after the kill are all served by the other nodes',
  );
  assert.ok(w.filter((s) => s === 201).length > 0);
  const c = new pg.Client({ connectionString: postgres.url });
  await c.connect();
  try {
    const broken = await c.query(
      "select count(*)::int as n from api_keys where key_hash is null or id is null or organization_id is null or scopes = '' or created_at is null",
    );
    assert.equal(broken.rows[0].n, 0);
    const orphans = await c.query(
      'select count(*)::int as n from api_keys k left join organizations o on o.id = k.organization_id where o.id is null',
    );
    assert.equal(orphans.rows[0].n, 0);
  } finally {
    await c.end();
  }
});
