/**
 * The audit store on every backend: buffered batch writes, filters, cursor pagination, ordering
 * under a frozen clock, retention, and failure handling that never throws and never goes silent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventsSince, listEvents } from '../../src/audit/repository.ts';
import type { AuditEventRow } from '../../src/audit/tables.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { openStorage, type Storage } from '../../src/storage/index.ts';
import { BACKENDS, openTestStorage } from '../support/backends.ts';
import { recordStoredAuditEvents } from '../support/secrets-watch.ts';
import { auditLogFor, event, eventually } from './support.ts';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const DAY = 86_400_000;
const ORG_A = 'org_01aaaaaaaaaaaaaaaaaaaaaaaa';
const ORG_B = 'org_01bbbbbbbbbbbbbbbbbbbbbbbb';
const USR_1 = 'usr_01aaaaaaaaaaaaaaaaaaaaaaaa';
const USR_2 = 'usr_01bbbbbbbbbbbbbbbbbbbbbbbb';
const KEY_1 = 'key_01aaaaaaaaaaaaaaaaaaaaaaaa';

for (const backend of BACKENDS) {
  describe(`audit store (${backend})`, () => {
    let storage: Storage;
    let dispose: () => Promise<void>;
    const clock = new ManualClock(T0);

    before(async () => {
      ({ storage, dispose } = await openTestStorage(backend));
    });
    after(async () => {
      await recordStoredAuditEvents(storage.db);
      await dispose();
    });

    async function reset(): Promise<void> {
      await storage.db.deleteFrom('audit_events').execute();
      clock.set(T0);
    }
    const count = async () =>
      Number(
        (
          await storage.db
            .selectFrom('audit_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('record() only buffers; flush() writes every event with its fields', async () => {
      await reset();
      const { audit } = auditLogFor(storage, clock);
      audit.record(
        event({
          action: 'auth.login.succeeded',
          actor: { type: 'user', id: USR_1 },
          target: { type: 'session', id: 'ses_01aaaaaaaaaaaaaaaaaaaaaaaa' },
          ip: '203.0.113.7',
          userAgent: 'curl/8.5.0',
          requestId: 'req_abc',
          details: { role: 'admin', n: 3, ok: true, none: null },
        }),
      );
      audit.record(event());
      assert.equal(audit.pending, 2);
      assert.equal(await count(), 0, 'nothing written on the request path');
      await audit.flush();
      assert.equal(audit.pending, 0);
      const rows = await listEvents(storage.db, { organizationId: ORG_A }, 10);
      assert.equal(rows.length, 2);
      const login = rows.find((r) => r.action === 'auth.login.succeeded');
      assert.ok(login);
      assert.match(login.id, /^evt_[0-9a-hjkmnp-tv-z]{26}$/);
      assert.deepEqual(
        { ...login, id: undefined },
        {
          id: undefined,
          occurred_at: T0,
          organization_id: ORG_A,
          actor_type: 'user',
          actor_id: USR_1,
          action: 'auth.login.succeeded',
          outcome: 'success',
          target_type: 'session',
          target_id: 'ses_01aaaaaaaaaaaaaaaaaaaaaaaa',
          ip: '203.0.113.7',
          user_agent: 'curl/8.5.0',
          request_id: 'req_abc',
          details: JSON.stringify({ role: 'admin', n: 3, ok: true, none: null }),
        },
      );
      await audit.close();
    });

    test('writes in batches: as soon as batchSize events wait, and on the interval', async () => {
      await reset();
      const { audit } = auditLogFor(storage, clock, { batchSize: 10 });
      for (let i = 0; i < 25; i++) audit.record(event({ details: { i } }));
      await eventually(async () => (await count()) >= 20);
      assert.ok(audit.pending <= 5);
      await audit.flush();
      assert.equal(await count(), 25);
      await audit.close();

      await reset();
      const timed = auditLogFor(storage, clock, { flushIntervalMs: 20 });
      timed.audit.record(event());
      await eventually(async () => (await count()) === 1);
      await timed.audit.close();
    });

    test('ids follow record order under a frozen clock; pagination walks every event once, newest first', async () => {
      await reset();
      const { audit } = auditLogFor(storage, clock, { batchSize: 7 });
      for (let i = 0; i < 23; i++) audit.record(event({ details: { i } }));
      await audit.flush();
      const seen: AuditEventRow[] = [];
      let cursor: string | undefined;
      for (;;) {
        const rows = await listEvents(storage.db, { organizationId: ORG_A }, 5, cursor);
        seen.push(...rows.slice(0, 5));
        if (rows.length <= 5) break;
        cursor = rows[4]?.id;
      }
      assert.deepEqual(
        seen.map((r) => JSON.parse(r.details).i),
        Array.from({ length: 23 }, (_, i) => 22 - i),
      );
      assert.equal(new Set(seen.map((r) => r.id)).size, 23);
      await audit.close();
    });

    test('filters: organization, action (exact and prefix), actor, target, outcome, time range', async () => {
      await reset();
      const { audit } = auditLogFor(storage, clock);
      audit.record(event({ action: 'auth.login.succeeded', actor: { type: 'user', id: USR_1 } }));
      clock.advance(60_000);
      audit.record(event({ action: 'auth.login.failed', outcome: 'failure', actor: { type: 'anonymous', id: null } }));
      clock.advance(60_000);
      audit.record(event({ action: 'api_key.created', actor: { type: 'user', id: USR_2 }, target: { type: 'api_key', id: KEY_1 } }));
      clock.advance(60_000);
      audit.record(event({ action: 'api_key.revoked', actor: { type: 'api_key', id: KEY_1 }, target: { type: 'api_key', id: KEY_1 } }));
      audit.record(event({ action: 'auth.login.succeeded', organizationId: ORG_B, actor: { type: 'user', id: USR_2 } }));
      audit.record(event({ action: 'server.started', organizationId: null, actor: { type: 'system', id: null } }));
      await audit.flush();
      const actions = async (f: Parameters<typeof listEvents>[1]) => (await listEvents(storage.db, f, 50)).map((r) => r.action);

      assert.deepEqual(await actions({ organizationId: ORG_A }), [
        'api_key.revoked',
        'api_key.created',
        'auth.login.failed',
        'auth.login.succeeded',
      ]);
      assert.deepEqual(await actions({ organizationId: ORG_B }), ['auth.login.succeeded']);
      assert.equal((await actions({})).length, 6, 'no organization filter: every event (CLI)');
      assert.deepEqual(await actions({ organizationId: ORG_A, action: 'auth.login.failed' }), ['auth.login.failed']);
      assert.deepEqual(await actions({ organizationId: ORG_A, action: 'auth.login.*' }), ['auth.login.failed', 'auth.login.succeeded']);
      assert.deepEqual(await actions({ organizationId: ORG_A, action: 'auth.%' }), [], 'no SQL wildcard');
      assert.deepEqual(await actions({ organizationId: ORG_A, action: 'AUTH.*' }), [], 'case-sensitive on both dialects');
      assert.deepEqual(await actions({ organizationId: ORG_A, actorId: USR_2 }), ['api_key.created']);
      assert.deepEqual(await actions({ organizationId: ORG_A, actorType: 'api_key' }), ['api_key.revoked']);
      assert.deepEqual(await actions({ organizationId: ORG_A, targetId: KEY_1 }), ['api_key.revoked', 'api_key.created']);
      assert.deepEqual(await actions({ organizationId: ORG_A, targetType: 'api_key', outcome: 'success' }), [
        'api_key.revoked',
        'api_key.created',
      ]);
      assert.deepEqual(await actions({ organizationId: ORG_A, outcome: 'failure' }), ['auth.login.failed']);
      assert.deepEqual(await actions({ organizationId: ORG_A, since: T0 + 60_000, until: T0 + 180_000 }), [
        'api_key.created',
        'auth.login.failed',
      ]);
      assert.deepEqual(
        (await eventsSince(storage.db, { organizationId: ORG_A }, T0 + 120_000, 10)).map((r) => r.action),
        ['api_key.created', 'api_key.revoked'],
        'follow reads oldest first',
      );
      await audit.close();
    });

    test('retention: prune deletes events older than auditRetentionDays by the injected clock, at start too', async () => {
      await reset();
      const { audit, logs } = auditLogFor(storage, clock);
      clock.set(T0 - 100 * DAY);
      audit.record(event({ action: 'old.100d' }));
      clock.set(T0 - 89 * DAY);
      audit.record(event({ action: 'old.89d' }));
      clock.set(T0);
      audit.record(event({ action: 'new' }));
      await audit.flush();
      assert.equal(await audit.prune(), 1);
      assert.deepEqual(
        (await listEvents(storage.db, {}, 10)).map((r) => r.action),
        ['new', 'old.89d'],
      );
      assert.ok(logs.some((l) => l.audit_events_deleted === 1 && l.retention_days === 90));
      clock.advance(2 * DAY);
      assert.equal(await audit.prune(), 1, 'the 89-day-old event is now 91 days old');
      await audit.close();

      // A shorter retention, enforced by the prune every log runs when it starts.
      clock.advance(10 * DAY);
      const short = auditLogFor(storage, clock, { pruneIntervalMs: 3_600_000 }, { auditRetentionDays: 7 });
      await short.audit.flush();
      assert.equal(await count(), 0);
      await short.audit.close();
    });

    test("retention runs again on its interval (unref'd timer), by the injected clock", async () => {
      await reset();
      const writer = auditLogFor(storage, clock);
      writer.audit.record(event({ action: 'ages' }));
      await writer.audit.close();
      const { audit } = auditLogFor(storage, clock, { pruneIntervalMs: 20 });
      await audit.flush();
      assert.equal(await count(), 1, 'young enough at start');
      clock.advance(91 * DAY);
      await eventually(async () => (await count()) === 0);
      await audit.close();
    });

    test('the prune deletes in chunks', async () => {
      await reset();
      const { audit } = auditLogFor(storage, clock, { batchSize: 50 });
      clock.set(T0 - 200 * DAY);
      for (let i = 0; i < 120; i++) audit.record(event());
      clock.set(T0);
      audit.record(event({ action: 'kept' }));
      await audit.flush();
      const { pruneEvents } = await import('../../src/audit/repository.ts');
      assert.equal(await pruneEvents(storage.db, T0 - 90 * DAY, 50), 120);
      assert.equal(await count(), 1);
      await audit.close();
    });
  });
}

describe('audit store failures', () => {
  test('a failing write never throws into record() or flush(); retries, then logs counts without contents', async () => {
    const broken = openStorage('sqlite::memory:'); // never migrated: every insert fails
    const clock = new ManualClock(T0);
    const { audit, logs, lines } = auditLogFor(broken, clock, { maxAttempts: 2 });
    assert.doesNotThrow(() => audit.record(event({ details: { marker: 'contents-must-not-be-logged' } })));
    audit.record(event());
    await audit.flush();
    assert.equal(audit.pending, 2, 'kept for another try');
    const failed = logs.find((l) => l.msg === 'audit events could not be written; will retry');
    assert.ok(failed);
    assert.equal(failed.audit_events, 2);
    await audit.flush();
    assert.equal(audit.pending, 0);
    assert.ok(logs.some((l) => l.audit_events_lost === 2 && l.reason === 'write failed repeatedly'));
    audit.record(event());
    await audit.close();
    assert.ok(logs.some((l) => l.audit_events_lost === 1 && l.reason === 'not written before close'));
    audit.record(event());
    assert.ok(logs.some((l) => l.reason === 'recorded after close'));
    assert.ok(!lines.join('\n').includes('contents-must-not-be-logged'));
    await broken.close();
  });

  test('a full buffer drops the oldest events and says how many', async () => {
    const broken = openStorage('sqlite::memory:');
    const { audit, logs } = auditLogFor(broken, new ManualClock(T0), { maxBuffered: 5, batchSize: 1000 });
    for (let i = 0; i < 8; i++) audit.record(event());
    assert.equal(audit.pending, 5);
    assert.equal(
      logs.filter((l) => l.reason === 'buffer full').reduce((n, l) => n + Number(l.audit_events_lost), 0),
      3,
    );
    await broken.close();
  });

  test('an event that cannot even be prepared is counted, not thrown', async () => {
    const storage = openStorage('sqlite::memory:');
    const { audit, logs } = auditLogFor(storage, new ManualClock(T0));
    const hostile = {
      get action(): string {
        throw new Error('boom');
      },
    } as unknown as Parameters<typeof audit.record>[0];
    assert.doesNotThrow(() => audit.record(hostile));
    assert.ok(logs.some((l) => l.reason === 'event could not be prepared'));
    await storage.close();
  });
});
