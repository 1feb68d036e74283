import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { insertSession } from '../../src/credentials/session-repository.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { insertBrowserSession } from '../../src/oauth/records/browser-sessions.ts';
import { insertCode } from '../../src/oauth/records/codes.ts';
import { insertInteraction } from '../../src/oauth/records/interactions.ts';
import { CODE_GRACE_MS, PG_LOCK_CLASS, startOAuthSweep, sweepExpiredOAuthRows } from '../../src/oauth/sweep.ts';
import { type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS, TEST_PG_URL } from '../support/backends.ts';
import { msUntil } from '../support/server-process.ts';

for (const backend of BACKENDS) {
  describe(`sweep of expired OAuth rows (${backend}, frozen clock)`, () => {
    let t: TestApp;
    let owner: Registered;
    let n = 0;

    before(async () => {
      t = await createTestApp(backend);
      owner = await registerOrg(t);
    });
    after(() => t.close());

    const db = () => t.services.storage.db;
    const interaction = (expiresAt: number) =>
      insertInteraction(db(), {
        id_hash: `ih-${++n}`,
        client_id: 'cli_x',
        params: '{}',
        user_id: null,
        auth_time: null,
        created_at: expiresAt - 600_000,
        expires_at: expiresAt,
        completed_at: null,
      });
    const code = (expiresAt: number) =>
      insertCode(db(), {
        code_hash: `ch-${++n}`,
        client_id: 'cli_x',
        user_id: owner.userId,
        organization_id: owner.orgId,
        redirect_uri: 'https://app.example.com/cb',
        scope: '',
        resource: '[]',
        code_challenge: 'x',
        nonce: null,
        auth_time: expiresAt,
        created_at: expiresAt - 60_000,
        expires_at: expiresAt,
        consumed_at: null,
        consent_id: null,
        session_id: null,
      });
    async function browserSession(expiresAt: number) {
      const id = `ses_sweep${String(++n).padStart(17, '0')}`;
      await insertSession(db(), {
        id,
        user_id: owner.userId,
        organization_id: owner.orgId,
        created_at: expiresAt - 1000,
        last_used_at: expiresAt - 1000,
        absolute_expires_at: expiresAt,
        revoked_at: null,
        revoked_reason: null,
        user_agent: null,
        ip: null,
      });
      await insertBrowserSession(db(), {
        id_hash: `bs-${n}`,
        session_id: id,
        user_id: owner.userId,
        auth_time: expiresAt - 1000,
        created_at: expiresAt - 1000,
        expires_at: expiresAt,
      });
    }
    const revokedToken = (expiresAt: number) =>
      db()
        .insertInto('oauth_revoked_tokens')
        .values({ jti: `jti-${++n}`, client_id: 'cli_x', revoked_at: expiresAt - 1000, expires_at: expiresAt })
        .execute();
    const count = async (table: 'oauth_interactions' | 'oauth_codes' | 'oauth_browser_sessions' | 'oauth_revoked_tokens') =>
      Number(
        (
          await db()
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('deletes what expired (codes after a grace, revoked tokens after the clock skew) and nothing else', async () => {
      const now = t.clock.now();
      const skew = t.config.clockSkew * 1000;
      await interaction(now - 1);
      await interaction(now + 60_000);
      await code(now - CODE_GRACE_MS - 1);
      await code(now - 1000); // expired, within the grace: kept for replay detection
      await code(now + 60_000);
      await browserSession(now - 1);
      await browserSession(now + 3_600_000);
      await revokedToken(now - skew - 1);
      await revokedToken(now - 1); // its token would still pass within the skew: kept
      const before = {
        interactions: await count('oauth_interactions'),
        codes: await count('oauth_codes'),
        browserSessions: await count('oauth_browser_sessions'),
        revokedTokens: await count('oauth_revoked_tokens'),
      };
      const counts = await sweepExpiredOAuthRows(t.services.storage, now, t.config.clockSkew);
      assert.deepEqual(counts, { interactions: 1, codes: 1, browserSessions: 1, revokedTokens: 1 });
      assert.equal(await count('oauth_interactions'), before.interactions - 1);
      assert.equal(await count('oauth_codes'), before.codes - 1);
      assert.equal(await count('oauth_browser_sessions'), before.browserSessions - 1);
      assert.equal(await count('oauth_revoked_tokens'), before.revokedTokens - 1);
      // The Gatehouse session behind a swept browser session is not touched (it has its own lifetime).
      assert.ok((await db().selectFrom('sessions').select('id').where('id', 'like', 'ses_sweep%').execute()).length >= 2);
      // Idempotent.
      assert.deepEqual(await sweepExpiredOAuthRows(t.services.storage, now, t.config.clockSkew), {
        interactions: 0,
        codes: 0,
        browserSessions: 0,
        revokedTokens: 0,
      });
      // Later, by the clock, the rest goes too.
      t.clock.advance(CODE_GRACE_MS + 3_600_001);
      const later = await sweepExpiredOAuthRows(t.services.storage, t.clock.now(), t.config.clockSkew);
      assert.deepEqual(later, { interactions: 1, codes: 2, browserSessions: 1, revokedTokens: 1 });
    });

    test('many rows go in batches', async () => {
      const now = t.clock.now();
      const rows = Array.from({ length: 1_234 }, (_, i) => ({
        id_hash: `bulk-${i}`,
        client_id: 'cli_x',
        params: '{}',
        user_id: null,
        auth_time: null,
        created_at: now - 10_000,
        expires_at: now - 1 - i,
        completed_at: null,
      }));
      for (let i = 0; i < rows.length; i += 200)
        await db()
          .insertInto('oauth_interactions')
          .values(rows.slice(i, i + 200))
          .execute();
      const counts = await sweepExpiredOAuthRows(t.services.storage, now, t.config.clockSkew);
      assert.equal(counts?.interactions, 1_234);
      assert.equal(await count('oauth_interactions'), 0);
    });

    test('the scheduled sweep runs by itself and stops', async () => {
      await interaction(t.clock.now() - 1);
      const sweep = startOAuthSweep({ ...t.services, log: createLogger('silent') }, { intervalMs: 40 });
      try {
        await msUntil(async () => (await count('oauth_interactions')) === 0, 3_000);
      } finally {
        sweep.stop();
        await sweep.idle();
      }
    });

    if (backend === 'postgres') {
      test('several nodes: while one sweeps (holds the advisory lock), another skips instead of deleting the same rows', async () => {
        await interaction(t.clock.now() - 1);
        const schema = t.services.storage.schema ?? 'public';
        const other = new pg.Client({ connectionString: TEST_PG_URL });
        await other.connect();
        try {
          await other.query('select pg_advisory_lock($1::int, hashtext($2))', [PG_LOCK_CLASS, schema]);
          assert.equal(await sweepExpiredOAuthRows(t.services.storage, t.clock.now(), t.config.clockSkew), undefined);
          assert.equal(await count('oauth_interactions'), 1);
          await other.query('select pg_advisory_unlock($1::int, hashtext($2))', [PG_LOCK_CLASS, schema]);
          const counts = await sweepExpiredOAuthRows(t.services.storage, t.clock.now(), t.config.clockSkew);
          assert.equal(counts?.interactions, 1);
          // Two sweeps at once: one deletes, the other skips or finds nothing; no error, nothing left.
          await interaction(t.clock.now() - 1);
          const both = await Promise.all([
            sweepExpiredOAuthRows(t.services.storage, t.clock.now(), t.config.clockSkew),
            sweepExpiredOAuthRows(t.services.storage, t.clock.now(), t.config.clockSkew),
          ]);
          assert.equal(
            both.reduce((a, c) => a + (c?.interactions ?? 0), 0),
            1,
          );
          assert.equal(await count('oauth_interactions'), 0);
        } finally {
          await other.end();
        }
      });
    }
  });
}
