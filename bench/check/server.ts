/**
 * The decision-API bench server, in its own process: the real Gatehouse app plus `GET /bench/open`
 * (no auth) and `GET /bench/jwt` (the pipeline, a Gatehouse access token). Seeds an organization,
 * an owner session and an API key, then prints `{"port", "token", "key"}`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/app.ts';
import { requireAuth } from '../../src/http/auth.ts';
import { registerOrganization } from '../../src/identity/register.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices } from '../../src/services.ts';

const config = loadConfig({
  env: {},
  overrides: {
    dataDir: mkdtempSync(join(tmpdir(), 'gh-bench-check-')),
    logLevel: 'silent',
    accessTokenTtl: 3600,
    // The limiter runs on every request but never says no at these rates (bench:limits measures it).
    rateLimitAnonymous: 1_000_000,
    rateLimitApiKey: 1_000_000,
    rateLimitUser: 1_000_000,
  },
});
const services = await createServices(config, { log: createLogger('silent') });
const app = await buildApp(services, async (a) => {
  a.get('/bench/open', { config: { protected: false } }, async () => ({ ok: true }));
  a.get('/bench/jwt', { preHandler: requireAuth() }, async () => ({ ok: true }));
});
const { organization, user } = await registerOrganization(
  services.storage,
  { organizationName: 'Bench', organizationSlug: 'bench', email: 'bench@example.com', name: 'Bench', password: 'bench password 123' },
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
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ port, token: session.access_token, key, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => services.close())
    .then(() => process.exit(0));
});
