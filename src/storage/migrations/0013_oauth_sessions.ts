import type { Kysely } from 'kysely';

/**
 * The authorization server's browser sessions, per-token revocation of client-credentials access
 * tokens, and the indexes the sweep of expired OAuth rows walks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_browser_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_browser_sessions_expiry_idx').on('oauth_browser_sessions').column('expires_at').execute();

  await db.schema
    .createTable('oauth_revoked_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_revoked_tokens_expiry_idx').on('oauth_revoked_tokens').column('expires_at').execute();

  await db.schema.createIndex('oauth_interactions_expiry_idx').on('oauth_interactions').column('expires_at').execute();
  await db.schema.createIndex('oauth_codes_expiry_idx').on('oauth_codes').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('oauth_codes_expiry_idx').execute();
  await db.schema.dropIndex('oauth_interactions_expiry_idx').execute();
  await db.schema.dropTable('oauth_revoked_tokens').execute();
  await db.schema.dropTable('oauth_browser_sessions').execute();
}
