/**
 * Single-node mode (SQLite, no Redis): the per-account lockout is stored with the data, so a
 * restart does not hand an attacker a fresh set of guesses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/app.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices } from '../../src/services.ts';
import { TEST_SECRETS } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-lockout-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));

/** A whole server process on the same SQLite file, as `gatehouse serve` would start it. */
async function start() {
  const config = loadConfig({
    env: {},
    file: undefined,
    overrides: {
      dataDir: dir,
      databaseUrl: `sqlite:${join(dir, 'gatehouse.db')}`,
      publicUrl: 'http://gatehouse.test',
      rateLimitEnabled: false,
    },
  });
  const log = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
  const services = await createServices(config, { clock, log, secrets: TEST_SECRETS, migrate: true });
  const app = await buildApp(services);
  return {
    app,
    async stop() {
      await app.close();
      await services.close();
    },
  };
}

test('the per-account lockout survives a restart on SQLite without Redis', async () => {
  const password = 'restart proof password';
  registerSecret(password);
  const first = await start();
  const reg = await first.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: 'restart@example.com', password } });
  assert.equal(reg.statusCode, 201, reg.body);
  registerSecret(reg.json().tokens.refresh_token);
  const login = (app: typeof first.app, pw: string, ip: string) =>
    app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: ip, payload: { email: 'restart@example.com', password: pw } });
  for (let i = 0; i < 5; i++) assert.equal((await login(first.app, 'wrong password', `198.51.100.${i}`)).statusCode, 401);
  await first.stop();

  const second = await start();
  try {
    const locked = await login(second.app, password, '198.51.100.50');
    assert.equal(locked.statusCode, 429, locked.body);
    assert.equal(locked.json().code, 'ERR-7002');
    clock.advance(15 * 60_000 + 1);
    const ok = await login(second.app, password, '198.51.100.51');
    assert.equal(ok.statusCode, 200, ok.body);
    registerSecret(ok.json().refresh_token);
    registerSecret(ok.json().access_token);
  } finally {
    await second.stop();
  }
});
