import { type Kysely, sql } from 'kysely';

/** SQLite numbers its parameters `?`, PostgreSQL `$1`: the one dialect difference this migration needs. */
function onSqlite(db: Kysely<unknown>): boolean {
  return sql`select ${1}`.compile(db).sql === 'select ?';
}

/**
 * The change feed: invalidations every process polls (`id > last seen`), so a revocation made by
 * one process (a CLI run, another node) reaches the caches of every other within a second.
 * AUTOINCREMENT on SQLite: ids are never reused, even after pruning empties the table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = onSqlite(db);
  await db.schema
    .createTable('change_feed')
    .addColumn('id', sqlite ? 'integer' : 'bigserial', (c) => (sqlite ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_feed_time_idx').on('change_feed').columns(['created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('change_feed').execute();
}
