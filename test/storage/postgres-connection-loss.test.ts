import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { isConnectionError } from '../../src/storage/index.ts';
import { openTestStorage, TEST_PG_URL, type TestStorage } from '../support/backends.ts';

/**
 * The server ends a connection while a request holds it between two statements (what a
 * PostgreSQL restart does to every connection): the request fails as "storage unavailable", the
 * process lives on, and the pool serves the next request on a fresh connection. Before the fix,
 * pg emitted an unheard `error` event on the checked-out client and the whole node exited
 * (issue 15: the cluster suite's all-502 after a SIGKILL was two nodes lost this way earlier).
 */

let s: TestStorage;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => void uncaught.push(err);

before(async () => {
  s = await openTestStorage('postgres');
  // node:test would report an uncaught error too, but against whichever test runs then; record it here.
  process.prependListener('uncaughtException', onUncaught);
});

after(async () => {
  process.removeListener('uncaughtException', onUncaught);
  await s.dispose();
});

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    const res = await admin.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [pid]);
    assert.equal(res.rows[0]?.ok, true);
  } finally {
    await admin.end();
  }
}

test('a connection ended between two statements of a transaction: a connection error, not a crash; the pool recovers', async () => {
  const failed = await s.storage
    .transaction(async (trx) => {
      const row = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await terminate(Number(row.rows[0]?.pid));
      // Let the server's FATAL message reach the client while no statement of ours is running.
      await new Promise((r) => setTimeout(r, 300));
      await sql`select 1`.execute(trx);
    })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  assert.deepEqual(uncaught, [], 'no unheard error event');
  assert.ok(failed, 'the statement after the loss fails');
  assert.ok(isConnectionError(failed), `a connection error (a 503), got ${String(failed)}`);
  await s.storage.ping();
  const n = await sql<{ n: number }>`select 1 as n`.execute(s.storage.db);
  assert.equal(Number(n.rows[0]?.n), 1);
});

test("pg's code-less errors for a client that is no longer usable count as connection errors; other errors do not", () => {
  assert.ok(isConnectionError(new Error('Client has encountered a connection error and is not queryable')));
  assert.ok(isConnectionError(new Error('Client was closed and is not queryable')));
  assert.equal(isConnectionError(new Error('relation "nope" does not exist')), false);
  assert.equal(isConnectionError(Object.assign(new Error('Client was closed and is not queryable'), { code: '42P01' })), false);
});
