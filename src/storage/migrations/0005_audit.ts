import type { Kysely } from 'kysely';

/**
 * The audit trail. No foreign key to `organizations`: the trail outlives what it describes, and
 * an insert never waits on another table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('organization_id', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  // Listing an organization's events newest first, and retention by time.
  await db.schema.createIndex('audit_events_org_idx').on('audit_events').columns(['organization_id', 'id']).execute();
  await db.schema.createIndex('audit_events_time_idx').on('audit_events').columns(['occurred_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
}
