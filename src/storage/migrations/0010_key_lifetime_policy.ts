import type { Kysely } from 'kysely';

/** An organization's longest API-key lifetime in days (null: the server's setting alone). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('api_key_max_lifetime_days', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('api_key_max_lifetime_days').execute();
}
