/**
 * Gatehouse under test, in its own process, for `npm run bench`: the real app (`buildApp`, default
 * configuration, SQLite file in a temp dir) plus `GET /protected` behind `requireAuth()` and
 * `GET /open` without auth. Seeds an organization, an owner (password login works), a session, an
 * API key and `BENCH_KEYS - 1` filler keys (bulk-inserted in one transaction, as bench/keys.ts
 * does), then mints `BENCH_TOKENS` distinct access tokens of that session into `BENCH_TOKENS_FILE`
 * (one a line) for the fresh-token scenario. Rate limits are raised out of reach (the limiter still
 * runs) or, with `BENCH_RATE_LIMIT=off`, disabled; `BENCH_REDIS_URL` keeps them in Redis; `BENCH_LOG_LEVEL`
 * sets the log level (default silent; logs go to stdout, which the harness reads and drops). Prints one JSON line
 * (see `GatehouseReady`).
 */
import { createPublicKey, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { generateKey } from '../../src/credentials/api-keys/format.ts';
import { openLivePolicy } from '../../src/edge/policy/index.ts';
import { createProxyServer } from '../../src/edge/proxy/server.ts';
import { buildApp } from '../../src/http/app.ts';
import { requireAuth } from '../../src/http/auth.ts';
import { registerOrganization } from '../../src/identity/register.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices } from '../../src/services.ts';
import { keyObjects, openPrivateKey } from '../../src/tokens/key-material.ts';
import { breakSignature } from './forge.ts';

export interface GatehouseReady {
  port: number;
  pid: number;
  /** A valid API key and a well-formed one that is not stored. */
  key: string;
  unknownKey: string;
  /** A session access token (RS256), the same JWT with a broken signature, and how to verify it. */
  token: string;
  badToken: string;
  publicKeyPem: string;
  issuer: string;
  audience: string;
  login: { email: string; password: string };
  keys: number;
  seedSeconds: number;
  mintSeconds: number;
  /** With `BENCH_PROXY_UPSTREAM`: the port of a `gatehouse proxy` in this process, in front of that upstream. */
  proxyPort?: number;
}

/** `gatehouse proxy` in this process (idle while other scenarios run), when `BENCH_PROXY_UPSTREAM` names an upstream. */
async function startProxy(): Promise<{ proxyPort?: number }> {
  const upstream = process.env.BENCH_PROXY_UPSTREAM;
  if (!upstream) return {};
  const policy = openLivePolicy({ file: config.routePolicy, tiers: Object.keys(config.rateLimitTiers), log: services.log });
  const proxy = createProxyServer({
    services,
    policy,
    realm: config.realm,
    upstream: new URL(upstream),
    timeoutMs: 30_000,
    log: services.log,
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const a = proxy.address();
  return { proxyPort: typeof a === 'object' && a ? a.port : 0 };
}

const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();
const storedKeys = Number(process.env.BENCH_KEYS ?? 1000);
const poolSize = Number(process.env.BENCH_TOKENS ?? 0);
const tokensFile = process.env.BENCH_TOKENS_FILE;

const dir = mkdtempSync(join(tmpdir(), 'gh-bench-run-'));
const file = join(dir, 'gatehouse.db');
const config = loadConfig({
  env: {},
  overrides: {
    dataDir: dir,
    databaseUrl: `sqlite:${file}`,
    // As shipped: the default log level unless BENCH_LOG_LEVEL names another; lines go to a file.
    ...(process.env.BENCH_LOG_LEVEL ? { logLevel: process.env.BENCH_LOG_LEVEL } : {}),
    accessTokenTtl: 3600,
    // The limiter runs on every request (its cost is measured) but never says no at these rates;
    // BENCH_RATE_LIMIT=off measures the same server without it.
    rateLimitEnabled: process.env.BENCH_RATE_LIMIT !== 'off',
    // BENCH_ACCESS_LOG=off: the same server without its access log (what the log costs).
    ...(process.env.BENCH_ACCESS_LOG === 'off' ? { accessLog: false } : {}),
    rateLimitAnonymous: 1_000_000,
    rateLimitApiKey: 1_000_000,
    rateLimitUser: 1_000_000,
    // BENCH_REDIS_URL: limits (and invalidation) through Redis, as with several nodes (npm run bench:limits).
    ...(process.env.BENCH_ROUTE_POLICY ? { routePolicy: process.env.BENCH_ROUTE_POLICY } : {}),
    ...(process.env.BENCH_REDIS_URL
      ? { redisUrl: process.env.BENCH_REDIS_URL, redisKeyPrefix: process.env.BENCH_REDIS_PREFIX ?? 'gatehouse:bench:' }
      : {}),
  },
});
// The log goes where `gatehouse serve > file` puts it, written the same way (asynchronously).
const logFile = process.env.BENCH_LOG_FILE ?? join(dir, 'gatehouse.log');
const services = await createServices(config, { log: createLogger(config.logLevel, pino.destination({ dest: logFile, sync: false })) });
const app = await buildApp(services, async (a) => {
  a.get('/open', { config: { protected: false } }, async () => ({ ok: true }));
  a.get('/protected', { preHandler: requireAuth() }, async () => ({ ok: true }));
  // Event-loop delay since the last call (ms), for the login-burst scenario.
  a.get('/eld', { config: { protected: false } }, async () => {
    const out = { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 };
    eld.reset();
    return out;
  });
});
const login = { email: 'bench@example.com', password: 'bench password 123' };
const { organization, user } = await registerOrganization(
  services.storage,
  { organizationName: 'Bench', organizationSlug: 'bench', email: login.email, name: 'Bench', password: login.password },
  services.clock.now(),
);
const session = await services.sessions.start({ userId: user.id, organizationId: organization.id, role: 'owner' });
const { key } = await services.apiKeys.create({
  organizationId: organization.id,
  createdBy: user.id,
  name: 'bench',
  scopes: ['*'],
  memorySpaces: '*',
});

/** Filler rows straight into the table in one transaction (the same statement as bench/keys.ts). */
function bulkInsert(count: number): void {
  if (count <= 0) return;
  const raw = new SQLite(file);
  raw.pragma('busy_timeout = 5000');
  const insert = raw.prepare(
    `insert into api_keys (key_hash, id, organization_id, created_by, name, description, environment, display_prefix, last_four,
       scopes, memory_spaces, allowed_cidrs, rate_limit, metadata, expires_at, created_at, updated_at, last_used_at, usage_count,
       revoked_at, rotated_from, rotated_to)
     values (?, ?, ?, null, 'filler', '', 'live', 'sk_live_0000', '0000', '["contexts:read"]', '"*"', null, null, '{}', null, ?, ?, null, 0, null, null, null)`,
  );
  const now = Date.now();
  raw.transaction(() => {
    for (let i = 0; i < count; i++) {
      insert.run(randomBytes(32).toString('base64url'), `key_${String(i).padStart(26, '0')}`, organization.id, now, now);
    }
  })();
  raw.close();
}
const t0 = performance.now();
bulkInsert(storedKeys - 1);
const seedSeconds = (performance.now() - t0) / 1000;

// Well-formed (prefix and checksum pass), never stored: it reaches storage once, then the negative cache.
const unknownKey = generateKey('sk', 'live');

const token = session.access_token;
const [h, p] = token.split('.');
const badToken = breakSignature(token);

const t1 = performance.now();
if (poolSize > 0 && tokensFile) {
  // The session token with a new jti each, signed by Gatehouse's active key straight through
  // node:crypto (what issueAccessToken produces, minted faster than through jose).
  const row = await services.storage.db.selectFrom('signing_keys').selectAll().where('status', '=', 'active').executeTakeFirstOrThrow();
  const { signing } = keyObjects(row.alg, openPrivateKey(services.secrets.keyEncryptionKey, row.kid, row.private_key_enc));
  const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  const lines: string[] = [];
  for (let i = 0; i < poolSize; i++) {
    const payload = Buffer.from(JSON.stringify({ ...claims, jti: randomBytes(16).toString('base64url') })).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${h}.${payload}`), signing).toString('base64url');
    lines.push(`${h}.${payload}.${signature}`);
  }
  writeFileSync(tokensFile, `${lines.join('\n')}\n`);
  // BENCH_BAD_TOKENS_FILE: the same tokens with a broken signature: a new bad token on every request.
  const badFile = process.env.BENCH_BAD_TOKENS_FILE;
  if (badFile) writeFileSync(badFile, `${lines.map(breakSignature).join('\n')}\n`);
}
const mintSeconds = (performance.now() - t1) / 1000;

const jwk = (await services.tokens.jwks()).keys[0];
if (!jwk) throw new Error('no signing key published');
const publicKeyPem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
  .export({ type: 'spki', format: 'pem' })
  .toString();

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const ready: GatehouseReady = {
  port: typeof address === 'object' && address ? address.port : 0,
  pid: process.pid,
  key,
  unknownKey,
  token,
  badToken,
  publicKeyPem,
  issuer: services.tokens.issuer,
  audience: config.audience,
  login,
  keys: storedKeys,
  seedSeconds,
  mintSeconds,
  ...(await startProxy()),
};
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => services.close())
    .finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
});
