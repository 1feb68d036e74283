import { revocationState } from '../../cluster/revocation-state.ts';
import type { CoreDeps } from '../../deps.ts';
import { GatehouseError } from '../../errors/index.ts';
import { newId } from '../../lib/ids.ts';
import { constantTimeEqual, keyedHash, randomToken } from '../../lib/secure.ts';
import type { OAuthClientRow } from '../tables.ts';
import type { ClientMetadata } from './metadata.ts';
import { deleteClient, findClient, insertClient, updateClient } from './repository.ts';

/** Client secrets carry a recognisable prefix (secret scanners) and 256 random bits. */
const SECRET_PREFIX = 'ghcs_';

export interface CreatedClient {
  readonly row: OAuthClientRow;
  /** Shown once; only its keyed hash is stored. Absent for public and private_key_jwt clients. */
  readonly secret?: string;
}

export interface ClientService {
  create(organizationId: string, metadata: ClientMetadata, createdBy: string | null): Promise<CreatedClient>;
  update(row: OAuthClientRow, metadata: ClientMetadata): Promise<OAuthClientRow>;
  rotateSecret(row: OAuthClientRow): Promise<CreatedClient>;
  /** Deletes the client; `onDeleted` ends its grants. Tokens it holds stop on every node. */
  remove(row: OAuthClientRow): Promise<void>;
  /** Constant-time check of a presented secret against the stored keyed hash. */
  secretMatches(row: OAuthClientRow, secret: string): boolean;
  /** True when the client no longer exists (cached; invalidated on delete). */
  isRevoked(clientId: string): Promise<boolean>;
}

function usesSecret(metadata: ClientMetadata): boolean {
  return metadata.token_endpoint_auth_method === 'client_secret_basic' || metadata.token_endpoint_auth_method === 'client_secret_post';
}

function columns(metadata: ClientMetadata) {
  return {
    name: metadata.client_name,
    auth_method: metadata.token_endpoint_auth_method,
    redirect_uris: JSON.stringify(metadata.redirect_uris),
    grant_types: JSON.stringify(metadata.grant_types),
    scope: metadata.scope,
    jwks: metadata.jwks === null ? null : JSON.stringify(metadata.jwks),
    client_uri: metadata.client_uri,
    logo_uri: metadata.logo_uri,
    token_exchange_resources: metadata.token_exchange_resources.length > 0 ? JSON.stringify(metadata.token_exchange_resources) : null,
    tls_client_auth: metadata.tls_client_auth === null ? null : JSON.stringify(metadata.tls_client_auth),
  };
}

/** OAuth clients of organizations: create, update, rotate, delete, secret checks, revocation state. */
export function createClientService(deps: CoreDeps & { readonly onDeleted: (clientId: string) => Promise<void> }): ClientService {
  const { storage, clock, secrets, bus } = deps;
  const db = storage.db;
  const revocations = revocationState(deps, 'oauth_client', async (clientId) => (await findClient(db, clientId)) === undefined);

  const newSecret = () => `${SECRET_PREFIX}${randomToken(32)}`;

  return {
    async create(organizationId, metadata, createdBy) {
      const now = clock.now();
      const secret = usesSecret(metadata) ? newSecret() : undefined;
      const row: OAuthClientRow = {
        id: newId('cli', now),
        organization_id: organizationId,
        secret_hash: secret === undefined ? null : keyedHash(secrets.pepper, secret),
        created_by: createdBy,
        created_at: now,
        updated_at: now,
        ...columns(metadata),
      };
      await insertClient(db, row);
      return secret === undefined ? { row } : { row, secret };
    },

    async update(row, metadata) {
      const now = clock.now();
      const secretNeeded = usesSecret(metadata);
      if (secretNeeded && row.secret_hash === null) {
        throw new GatehouseError('oauth_invalid_client_metadata', 'Rotate the secret to switch a client to a secret-based method');
      }
      const set = { ...columns(metadata), updated_at: now, ...(secretNeeded ? {} : { secret_hash: null }) };
      await updateClient(db, row.id, row.organization_id, set);
      return { ...row, ...set };
    },

    async rotateSecret(row) {
      if (row.auth_method !== 'client_secret_basic' && row.auth_method !== 'client_secret_post') {
        throw new GatehouseError('oauth_client_secretless');
      }
      const secret = newSecret();
      const now = clock.now();
      const set = { secret_hash: keyedHash(secrets.pepper, secret), updated_at: now };
      await updateClient(db, row.id, row.organization_id, set);
      return { row: { ...row, ...set }, secret };
    },

    async remove(row) {
      if (!(await deleteClient(db, row.id, row.organization_id))) throw new GatehouseError('not_found', 'Client not found');
      bus.publish('oauth_client', row.id);
      await deps.onDeleted(row.id);
    },

    secretMatches(row, secret) {
      if (row.secret_hash === null) return false;
      const presented = keyedHash(secrets.pepper, secret);
      return constantTimeEqual(presented, row.secret_hash);
    },

    isRevoked: (clientId) => revocations.isRevoked(clientId),
  };
}
