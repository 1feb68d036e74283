/** `gatehouse user disable|enable` as a subprocess, checked through the HTTP API on the same database. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices } from '../../src/services.ts';
import { runCli } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-user-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };
const run = (args: string[], input = '') => runCli(env, args, input);

/** A Gatehouse on the CLI's database, fresh each time (nothing cached from before). */
async function withApp<T>(fn: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const services = await createServices(loadConfig({ env: {}, overrides: { dataDir: dir, rateLimitEnabled: false } }), {
    log: createLogger('silent'),
  });
  const app = await buildApp(services);
  try {
    return await fn(app);
  } finally {
    await app.close();
    await services.close();
  }
}

test('disable ends the sessions and refuses login; enable lets the user back in', async () => {
  const password = 'user cli password';
  registerSecret(password);
  assert.equal(run(['init', '--org', 'Acme', '--email', 'ada@example.com', '--password-stdin'], password).status, 0);
  const login = { method: 'POST' as const, url: '/v1/auth/login', payload: { email: 'ada@example.com', password } };

  const access = await withApp(async (app) => {
    const res = await app.inject(login);
    assert.equal(res.statusCode, 200, res.body);
    registerSecret(res.json().access_token);
    registerSecret(res.json().refresh_token);
    return res.json().access_token as string;
  });

  const disabled = run(['--json', 'user', 'disable', 'ada@example.com']);
  assert.equal(disabled.status, 0, disabled.stderr);
  assert.equal(JSON.parse(disabled.stdout).disabled, true);
  assert.equal(JSON.parse(disabled.stdout).sessions_ended, 1);

  const userId = JSON.parse(disabled.stdout).id as string;
  await withApp(async (app) => {
    // Running servers learn it through the change feed: the user, and each session ended.
    const feed = await app.services.storage.db.selectFrom('change_feed').select(['topic', 'entity_id']).orderBy('id').execute();
    assert.deepEqual(
      feed.map((r) => r.topic),
      ['session', 'user'],
    );
    assert.equal(feed[1]?.entity_id, userId);
    const me = await app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${access}` } });
    assert.equal(me.statusCode, 401, 'the access token issued before stops');
    assert.equal((await app.inject(login)).statusCode, 401, 'a disabled user answers like a wrong password');
  });

  const enabled = run(['user', 'enable', 'ada@example.com']);
  assert.equal(enabled.status, 0, enabled.stderr);
  await withApp(async (app) => {
    const last = await app.services.storage.db
      .selectFrom('change_feed')
      .select(['topic', 'entity_id'])
      .orderBy('id', 'desc')
      .executeTakeFirst();
    assert.deepEqual(last, { topic: 'user', entity_id: userId });
  });
  assert.match(enabled.stdout, /^enabled ada@example.com \(usr_/);
  await withApp(async (app) => {
    const res = await app.inject(login);
    assert.equal(res.statusCode, 200);
    registerSecret(res.json().access_token);
    registerSecret(res.json().refresh_token);
  });

  const missing = run(['user', 'disable', 'nobody@example.com']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'gatehouse: no user "nobody@example.com"\n');
});
