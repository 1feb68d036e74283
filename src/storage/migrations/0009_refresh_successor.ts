import type { Kysely } from 'kysely';

/**
 * `refresh_tokens.replaced_by`: the keyed hash of the token a rotation issued. A duplicate of the
 * token just rotated, within `refreshReuseLeeway`, is told apart from reuse by it (its successor
 * not used yet) without storing any token in clear.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').addColumn('replaced_by', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').dropColumn('replaced_by').execute();
}
