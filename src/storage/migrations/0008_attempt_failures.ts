import type { Kysely } from 'kysely';

/** Brute-force counters of single-node mode (no Redis): a restart keeps every lockout. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('attempt_failures')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attempt_failures_last_idx').on('attempt_failures').column('last_failure_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('attempt_failures').execute();
}
