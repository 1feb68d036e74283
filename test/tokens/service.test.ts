import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { loadConfig } from '../../src/config/index.ts';
import { GatehouseError } from '../../src/errors/index.ts';
import { addMembership } from '../../src/identity/memberships.ts';
import { createOrganization } from '../../src/identity/organizations.ts';
import { createUser } from '../../src/identity/users.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices } from '../../src/services.ts';
import { createTestApp, TEST_SECRETS, type TestApp } from '../support/app.ts';
import { BACKENDS, openTestStorage } from '../support/backends.ts';

/** A real member of a real organization: a token acts as its user, so the user must exist. */
const who = { userId: '', orgId: '' };

async function seedMember(t: TestApp): Promise<void> {
  const now = t.clock.now();
  const org = await createOrganization(t.services.storage.db, { name: 'Tokens', slug: 'tokens' }, now);
  const user = await createUser(t.services.storage.db, { email: 'member@example.com', displayName: 'M', passwordHash: 'x' }, now);
  await addMembership(t.services.storage.db, org.id, user.id, 'member', now);
  who.userId = user.id;
  who.orgId = org.id;
}

const issue = (t: TestApp, extra: Record<string, unknown> = {}) =>
  t.services.tokens.issueAccessToken({
    subject: who.userId,
    organizationId: who.orgId,
    role: 'member',
    scopes: ['contexts:read'],
    ...extra,
  });

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof GatehouseError, String(err));
    return err.error;
  }
}

for (const backend of BACKENDS) {
  describe(`tokens (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
      await seedMember(t);
    });
    after(() => t.close());

    test("a token acts as its user: refused once the user is no member of the token's organization", async () => {
      const { token } = await t.services.tokens.issueAccessToken({
        subject: 'usr_nobody',
        organizationId: who.orgId,
        role: 'owner',
        scopes: ['*'],
      });
      assert.equal(await errorOf(t.services.tokens.verify(token, { ip: '1' })), 'token_revoked');
    });

    test('an access token is an RFC 9068 JWT that verifies into a Principal', async () => {
      const { token, expiresAt } = await issue(t, { memorySpaces: ['tenant_acme'] });
      const [h, p] = token
        .split('.')
        .slice(0, 2)
        .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString())) as [Record<string, unknown>, Record<string, unknown>];
      assert.equal(h.typ, 'at+jwt');
      assert.equal(h.alg, 'RS256');
      for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'org_id', 'role', 'scope']) assert.ok(claim in p, claim);
      assert.equal(p.exp, (p.iat as number) + 900);
      assert.equal(expiresAt, (p.exp as number) * 1000);
      const principal = await t.services.tokens.verify(token, { ip: '127.0.0.1' });
      assert.equal(principal.kind, 'user');
      assert.equal(principal.organizationId, who.orgId);
      assert.deepEqual(principal.scopes, ['contexts:read']);
      assert.deepEqual(principal.memorySpaces, ['tenant_acme']);
      assert.equal(principal.sessionId, undefined);
    });

    test('a token whose session does not exist (or was revoked) is refused', async () => {
      const { token } = await issue(t, { sessionId: 'ses_01aaaaaaaaaaaaaaaaaaaaaaaa' });
      assert.equal(await errorOf(t.services.tokens.verify(token, { ip: '1' })), 'token_revoked');
    });

    test('expiry follows the clock, also for a cached token', async () => {
      const { token } = await issue(t);
      await t.services.tokens.verify(token, { ip: '1' });
      t.clock.advance(900_000 + 31_000);
      assert.equal(await errorOf(t.services.tokens.verify(token, { ip: '1' })), 'token_expired');
    });

    test('rotation: old tokens verify (here and through the JWKS with jose) until the retired key expires', async () => {
      const { token: old } = await issue(t);
      const before = (await t.services.tokens.jwks()).keys;
      assert.equal(before.length, 1);
      const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'public, max-age=300');
      await t.services.tokens.rotateSigningKey();
      const { token: fresh } = await issue(t);
      assert.notEqual(
        JSON.parse(Buffer.from(old.split('.')[0] ?? '', 'base64url').toString()).kid,
        JSON.parse(Buffer.from(fresh.split('.')[0] ?? '', 'base64url').toString()).kid,
      );
      const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: Record<string, unknown>[] };
      assert.equal(jwks.keys.length, 2);
      for (const k of jwks.keys)
        for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.ok(!(priv in k), `private member ${priv}`);
      const set = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
      for (const tok of [old, fresh]) {
        await jwtVerify(tok, set, { issuer: t.config.issuer, audience: t.config.audience, currentDate: new Date(t.clock.now()) });
        assert.equal((await t.services.tokens.verify(tok, { ip: '1' })).subject, who.userId);
      }
      t.clock.advance((900 + 30) * 1000 + 1);
      assert.equal((await t.services.tokens.jwks()).keys.length, 1);
      assert.equal(await errorOf(t.services.tokens.verify(old, { ip: '1' })), 'unknown_signing_key');
    });

    test('private keys are encrypted at rest', async () => {
      const rows = await t.services.storage.db.selectFrom('signing_keys').selectAll().execute();
      assert.ok(rows.length >= 1);
      for (const r of rows) {
        assert.ok(!r.private_key_enc.includes('PRIVATE KEY'));
        assert.ok(!(r.public_jwk ?? '').includes('"d"'));
        assert.throws(() => JSON.parse(Buffer.from(r.private_key_enc, 'base64url').toString()));
      }
    });

    test('a token naming an unknown kid, or of another audience, is refused with the reason', async () => {
      const { token } = await issue(t);
      const [h, p, s] = token.split('.') as [string, string, string];
      const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), kid: 'nope' };
      const forged = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${s}`;
      assert.equal(await errorOf(t.services.tokens.verify(forged, { ip: '1' })), 'unknown_signing_key');
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { authorization: `Bearer ${forged}` } });
      assert.equal(res.statusCode, 401);
      assert.equal(
        res.headers['www-authenticate'],
        'Bearer realm="gatehouse", error="invalid_token", error_description="Unable to find matching public key"',
      );
    });

    test('a token refused for good is refused the same way again; one not valid yet is checked again once it is', async () => {
      const { token } = await issue(t);
      const [h, p, s] = token.split('.') as [string, string, string];
      const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
      for (let i = 0; i < 3; i++) {
        const res = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${flipped}` } });
        assert.equal(res.statusCode, 401, `attempt ${i}`);
        assert.equal(
          res.headers['www-authenticate'],
          'Bearer realm="gatehouse", error="invalid_token", error_description="Signature verification failed"',
        );
      }
      // The genuine token is unaffected by its forged twin's refusals.
      assert.equal((await t.services.tokens.verify(token, { ip: '1' })).subject, who.userId);
      // Issued an hour ahead of this clock: not valid yet, and not remembered as refused.
      const start = t.clock.now();
      t.clock.set(start + 3_600_000);
      const { token: early } = await issue(t);
      t.clock.set(start);
      assert.equal(await errorOf(t.services.tokens.verify(early, { ip: '1' })), 'token_not_yet_valid');
      assert.equal(await errorOf(t.services.tokens.verify(early, { ip: '1' })), 'token_not_yet_valid');
      t.clock.set(start + 3_600_000);
      assert.equal((await t.services.tokens.verify(early, { ip: '1' })).subject, who.userId);
      // An expired token stays refused after the clock passes its expiry, from the cache or not.
      t.clock.advance(900_000 + 31_000);
      assert.equal(await errorOf(t.services.tokens.verify(early, { ip: '1' })), 'token_expired');
      assert.equal(await errorOf(t.services.tokens.verify(early, { ip: '1' })), 'token_expired');
    });

    test('two nodes starting at once on one database agree on one active key', async () => {
      const { storage, dispose } = await openTestStorage(backend);
      const config = loadConfig({
        env: {},
        overrides: { dataDir: mkdtempSync(join(tmpdir(), 'gh-')), publicUrl: 'http://gatehouse.test' },
      });
      const log = createLogger('silent');
      const nodes = await Promise.all(
        [1, 2, 3].map(() => createServices(config, { storage, log, secrets: TEST_SECRETS, migrate: false, clock: new ManualClock() })),
      );
      const active = await storage.db.selectFrom('signing_keys').select('kid').where('status', '=', 'active').execute();
      assert.equal(active.length, 1);
      await nodes[0]?.close();
      await dispose();
    });
  });
}

test('a rotation made by the CLI is seen by a running server on the same database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-keys-'));
  const env = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };
  const config = loadConfig({ env });
  const clock = new ManualClock(Date.now());
  const services = await createServices(config, { clock, log: createLogger('silent') });
  try {
    const list = spawnSync(process.execPath, ['bin/gatehouse.js', 'keys', 'list', '--json'], { env, encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const [key] = JSON.parse(list.stdout) as { kid: string }[];
    const rotated = spawnSync(process.execPath, ['bin/gatehouse.js', 'keys', 'rotate', '--json'], { env, encoding: 'utf8' });
    assert.equal(rotated.status, 0, rotated.stderr);
    const next = JSON.parse(rotated.stdout) as { kid: string; status: string };
    assert.equal(next.status, 'active');
    assert.notEqual(next.kid, key?.kid);
    clock.advance(11_000);
    const { token } = await services.tokens.issueAccessToken({ subject: 'usr_1', organizationId: 'org_1', role: 'owner', scopes: [] });
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid, next.kid);
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HS256 needs an explicit opt-in', async () => {
  const { storage, dispose } = await openTestStorage('sqlite');
  const config = loadConfig({ env: {}, overrides: { signingAlgorithm: 'HS256', dataDir: mkdtempSync(join(tmpdir(), 'gh-')) } });
  await assert.rejects(
    createServices(config, { storage, log: createLogger('silent'), secrets: TEST_SECRETS, migrate: false }),
    /allowHs256/,
  );
  await dispose();
});
