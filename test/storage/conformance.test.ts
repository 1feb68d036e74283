import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/lib/ids.ts';
import { compareAndSet, consumeOnce, guardedIncrement, isUniqueViolation } from '../../src/storage/index.ts';
import { BACKENDS, openTestStorage, type TestStorage } from '../support/backends.ts';

/** The storage contract, run against every backend. */
for (const backend of BACKENDS) {
  describe(`storage conformance: ${backend}`, () => {
    let s: TestStorage;
    const now = Date.UTC(2026, 0, 1);
    const orgId = newId('org', now);
    const userId = newId('usr', now);
    const sessionId = newId('ses', now);

    before(async () => {
      s = await openTestStorage(backend);
      const db = s.storage.db;
      await db
        .insertInto('organizations')
        .values({ id: orgId, name: 'Acme', slug: 'acme', rate_limit_tier: null, personal_of: null, created_at: now, updated_at: now })
        .execute();
      await db
        .insertInto('users')
        .values({
          id: userId,
          email: 'A@example.com',
          email_normalized: 'a@example.com',
          username: null,
          username_normalized: null,
          display_name: 'A',
          password_hash: 'x',
          disabled_at: null,
          password_changed_at: now,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await db
        .insertInto('sessions')
        .values({
          id: sessionId,
          user_id: userId,
          organization_id: orgId,
          created_at: now,
          last_used_at: 0,
          absolute_expires_at: now + 1000,
          revoked_at: null,
          revoked_reason: null,
          user_agent: null,
          ip: null,
        })
        .execute();
    });
    after(() => s.dispose());

    test('ping answers', async () => {
      await s.storage.ping();
    });

    test('times round-trip as numbers (BIGINT is not a string)', async () => {
      const row = await s.storage.db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirstOrThrow();
      assert.equal(row.created_at, now);
      assert.equal(typeof row.created_at, 'number');
    });

    test('a unique violation is recognised', async () => {
      await assert.rejects(
        s.storage.db
          .insertInto('organizations')
          .values({ id: newId('org'), name: 'B', slug: 'acme', rate_limit_tier: null, personal_of: null, created_at: now, updated_at: now })
          .execute(),
        (err: unknown) => isUniqueViolation(err),
      );
    });

    test('consume-once: of 20 concurrent consumers exactly one wins', async () => {
      await s.storage.db
        .insertInto('refresh_tokens')
        .values({ token_hash: 'h1', session_id: sessionId, created_at: now, used_at: null })
        .execute();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => consumeOnce(s.storage.db, 'refresh_tokens', 'token_hash', 'h1', 'used_at', now + i)),
      );
      const winners = results.filter((r) => r !== undefined);
      assert.equal(winners.length, 1);
      assert.equal(winners[0]?.session_id, sessionId);
      assert.equal(await consumeOnce(s.storage.db, 'refresh_tokens', 'token_hash', 'h1', 'used_at', now), undefined);
      assert.equal(await consumeOnce(s.storage.db, 'refresh_tokens', 'token_hash', 'missing', 'used_at', now), undefined);
    });

    test('guarded increment: never passes the cap under concurrency', async () => {
      const results = await Promise.all(
        Array.from({ length: 30 }, () => guardedIncrement(s.storage.db, 'sessions', 'id', sessionId, 'last_used_at', 1, 10)),
      );
      assert.equal(results.filter((r) => r !== undefined).length, 10);
      const row = await s.storage.db.selectFrom('sessions').select('last_used_at').where('id', '=', sessionId).executeTakeFirstOrThrow();
      assert.equal(row.last_used_at, 10);
    });

    test('compare-and-set: only the caller that saw the expected value wins', async () => {
      const outcomes = await Promise.all(
        ['logout', 'admin', 'reuse_detected'].map((r) =>
          compareAndSet(s.storage.db, 'sessions', 'id', sessionId, 'revoked_reason', null, r),
        ),
      );
      assert.equal(outcomes.filter(Boolean).length, 1);
      assert.equal(await compareAndSet(s.storage.db, 'sessions', 'id', sessionId, 'revoked_reason', 'nope', 'x'), false);
    });

    test('a transaction that throws leaves nothing behind', async () => {
      const id = newId('org');
      await assert.rejects(
        s.storage.transaction(async (trx) => {
          await trx
            .insertInto('organizations')
            .values({ id, name: 'T', slug: 'tx-test', rate_limit_tier: null, personal_of: null, created_at: now, updated_at: now })
            .execute();
          throw new Error('boom');
        }),
      );
      assert.equal(await s.storage.db.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst(), undefined);
    });
  });
}
