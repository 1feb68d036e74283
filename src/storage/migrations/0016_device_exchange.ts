import type { Kysely } from 'kysely';

/**
 * RFC 8628 device authorization (device codes, stored as keyed hashes, user codes too) and the
 * per-client RFC 8693 token-exchange setting: the resources a client may exchange tokens for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_device_codes')
    .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('poll_interval', 'integer', (c) => c.notNull())
    .addColumn('last_polled_at', 'bigint')
    .addColumn('user_id', 'text')
    .addColumn('organization_id', 'text')
    .addColumn('auth_time', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('session_id', 'text')
    .execute();
  await db.schema.createIndex('oauth_device_codes_expiry_idx').on('oauth_device_codes').columns(['expires_at']).execute();
  await db.schema.alterTable('oauth_clients').addColumn('token_exchange_resources', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_clients').dropColumn('token_exchange_resources').execute();
  await db.schema.dropTable('oauth_device_codes').execute();
}
