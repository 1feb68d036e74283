/**
 * Peer 4: Better Auth with its API-key plugin on SQLite (better-sqlite3, WAL), keys verified with
 * `auth.api.verifyApiKey` in a Fastify hook, as its documentation shows for protecting a route.
 * Plugin defaults otherwise (keys stored SHA-256 hashed, usage fields updated on each use), except
 * the per-key rate limit (off, as Gatehouse's is for this bench) and Better Auth's own request
 * rate limit (off). Also serves `POST /login` → `auth.api.signInEmail` (email + password, its
 * default scrypt hashing) for the login scenario.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { apiKey } from '@better-auth/api-key';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { announce, port } from './ready.mjs';

const dir = mkdtempSync(join(tmpdir(), 'gh-bench-better-auth-'));
const db = new Database(join(dir, 'better-auth.db'));
db.pragma('journal_mode = WAL');
const auth = betterAuth({
  database: db,
  baseURL: 'http://127.0.0.1:3000',
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
  plugins: [apiKey({ rateLimit: { enabled: false } })],
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const login = { email: 'bench@example.com', password: 'bench password 123' };
const signUp = await auth.api.signUpEmail({ body: { ...login, name: 'Bench' } });
const created = await auth.api.createApiKey({ body: { userId: signUp.user.id, name: 'bench' } });
const other = await auth.api.createApiKey({ body: { userId: signUp.user.id, name: 'unknown' } });
await auth.api.deleteApiKey({ body: { keyId: other.id }, headers: new Headers() }).catch(() => {});

const app = Fastify({ logger: false });
app.get(
  '/protected',
  {
    onRequest: async (request, reply) => {
      const key = request.headers['x-api-key'];
      const result = typeof key === 'string' ? await auth.api.verifyApiKey({ body: { key } }) : { valid: false };
      if (!result.valid) {
        reply.code(401).send({ error: 'invalid api key' });
        return reply;
      }
    },
  },
  async () => ({ ok: true }),
);
// Event-loop delay since the last call (ms), for the login-burst scenario (same as Gatehouse's bench server).
const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();
app.get('/eld', async () => {
  const out = { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 };
  eld.reset();
  return out;
});
app.post('/login', async (request, reply) => {
  try {
    const out = await auth.api.signInEmail({ body: request.body, headers: new Headers() });
    return { token: out.token };
  } catch {
    reply.code(401);
    return { error: 'invalid credentials' };
  }
});
await app.listen({ host: '127.0.0.1', port });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
announce(app.server, {
  headers: { 'x-api-key': created.key },
  invalidHeaders: { 'x-api-key': `${created.key.slice(0, -8)}AbCdEfGh` },
  login,
  keyPrefix: created.key.slice(0, 4),
});
