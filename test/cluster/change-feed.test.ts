/** The change feed on every backend: two processes' feeds on one database, as `serve` and a CLI run use it. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { changesSince } from '../../src/cluster/change-feed.ts';
import { changeFeed, FEED_RETENTION_MS } from '../../src/cluster/feed.ts';
import { EVERY_ENTRY, INVALIDATION_TOPICS, type InvalidationTopic } from '../../src/cluster/invalidation.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { BACKENDS, openTestStorage, type TestStorage } from '../support/backends.ts';

const log = pino({ level: 'silent' });

for (const backend of BACKENDS) {
  describe(`change feed (${backend})`, () => {
    let s: TestStorage;
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    before(async () => {
      s = await openTestStorage(backend);
    });
    after(() => s.dispose());

    /** A feed whose deliveries are recorded as `topic:id`. */
    function open() {
      const seen: string[] = [];
      const feed = changeFeed({ storage: s.storage, clock, log }, (topic: InvalidationTopic, id: string) => {
        seen.push(`${topic}:${id}`);
      });
      return { feed, seen };
    }

    test("a reader gets every other process's changes once, in order, and never its own", async () => {
      const server = open();
      const cli = open();
      await server.feed.watch(60_000);
      server.feed.send('session', 'ses_own');
      cli.feed.send('user', 'usr_1');
      cli.feed.send('api_key', 'key_1');
      await cli.feed.close(); // a CLI run: its writes are in when close resolves
      await server.feed.poll();
      await server.feed.poll();
      assert.deepEqual(server.seen, ['user:usr_1', 'api_key:key_1']);
      assert.deepEqual(cli.seen, [], 'a writer that never watches reads nothing');
      await server.feed.close();
    });

    test('a reader starts at the newest change: what was written before it started is not replayed', async () => {
      const writer = open();
      writer.feed.send('api_key', 'key_before');
      await writer.feed.close();
      const reader = open();
      await reader.feed.watch(60_000);
      await reader.feed.poll();
      assert.deepEqual(reader.seen, []);
      await reader.feed.close();
    });

    test('unknown topics (a newer node) are skipped', async () => {
      const reader = open();
      await reader.feed.watch(60_000);
      await s.storage.db
        .insertInto('change_feed')
        .values({ topic: 'future', entity_id: 'x', origin: 'o', created_at: clock.now() })
        .execute();
      const writer = open();
      writer.feed.send('organization', 'org_1');
      await writer.feed.close();
      await reader.feed.poll();
      assert.deepEqual(reader.seen, ['organization:org_1']);
      await reader.feed.close();
    });

    test('a change committed late with a lower id (PostgreSQL sequences) is still delivered', async () => {
      const reader = open();
      await reader.feed.watch(60_000);
      const [last] = await s.storage.db
        .selectFrom('change_feed')
        .select((eb) => eb.fn.max('id').as('id'))
        .execute();
      const base = Number(last?.id ?? 0);
      const row = (id: number, entity: string) => ({ id, topic: 'session', entity_id: entity, origin: 'other', created_at: clock.now() });
      await s.storage.db
        .insertInto('change_feed')
        .values(row(base + 2, 'ses_second'))
        .execute();
      await reader.feed.poll();
      await s.storage.db
        .insertInto('change_feed')
        .values(row(base + 1, 'ses_first'))
        .execute();
      await reader.feed.poll();
      await reader.feed.poll();
      assert.deepEqual(reader.seen, ['session:ses_second', 'session:ses_first'], 'each once');
      await reader.feed.close();
      if (backend === 'postgres') await moveSequence(s, base + 2);
    });

    test('the timer reads on its own; rows older than the retention are pruned', async () => {
      const reader = open();
      await reader.feed.watch(20);
      const writer = open();
      writer.feed.send('membership', 'org_1:usr_1');
      await writer.feed.close();
      const start = Date.now();
      while (reader.seen.length === 0 && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(reader.seen, ['membership:org_1:usr_1']);
      await reader.feed.close();

      clock.advance(FEED_RETENTION_MS + 1);
      const fresh = open();
      fresh.feed.send('user', 'usr_recent');
      await fresh.feed.close();
      const pruner = open();
      await pruner.feed.watch(60_000);
      await pruner.feed.poll(); // the first read prunes
      const left = await changesSince(s.storage.db, 0, 100);
      assert.deepEqual(
        left.map((r) => r.entity_id),
        ['usr_recent'],
      );
      await pruner.feed.close();
    });

    test('a reader that stalled past half the retention drops everything (every topic gets EVERY_ENTRY), once', async () => {
      let ms = 0;
      const seen: string[] = [];
      const reader = changeFeed({ storage: s.storage, clock, log, elapsed: () => ms }, (topic, id) => {
        seen.push(`${topic}:${id}`);
      });
      await reader.watch(60_000);
      ms += FEED_RETENTION_MS / 2 - 1;
      await reader.poll();
      assert.deepEqual(seen, []);
      ms += FEED_RETENTION_MS / 2 + 1;
      await reader.poll();
      assert.deepEqual(
        seen,
        INVALIDATION_TOPICS.map((topic) => `${topic}:${EVERY_ENTRY}`),
      );
      await reader.poll();
      assert.equal(seen.length, INVALIDATION_TOPICS.length);
      await reader.close();
    });

    test('ids are never reused after pruning empties the table', async () => {
      const before = await changesSince(s.storage.db, 0, 100);
      const top = Math.max(0, ...before.map((r) => r.id));
      await s.storage.db.deleteFrom('change_feed').execute();
      const writer = open();
      writer.feed.send('user', 'usr_after');
      await writer.feed.close();
      const [row] = await changesSince(s.storage.db, 0, 1);
      assert.ok(row && row.id > top, `${row?.id} > ${top}`);
    });
  });
}

/** After explicit ids, PostgreSQL's sequence must move past them (as a late commit would have). */
async function moveSequence(s: TestStorage, to: number): Promise<void> {
  await sql`select setval(pg_get_serial_sequence('change_feed', 'id'), ${to})`.execute(s.storage.db);
}
