import type { Kysely } from 'kysely';

/**
 * Sender constraints: the DPoP key (`jkt`) a public client's grant is bound to, so its refresh
 * tokens only work with proofs of that key (RFC 9449 §5); the client-certificate fingerprint
 * (`x5t#S256`) an API key is bound to (RFC 8705 style); the certificate subject or SAN a `tls_client_auth` client registered.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_grants').addColumn('dpop_jkt', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('cert_thumbprint', 'text').execute();
  await db.schema.alterTable('oauth_clients').addColumn('tls_client_auth', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_clients').dropColumn('tls_client_auth').execute();
  await db.schema.alterTable('api_keys').dropColumn('cert_thumbprint').execute();
  await db.schema.alterTable('oauth_grants').dropColumn('dpop_jkt').execute();
}
