import type { SessionService } from '../credentials/session-types.ts';
import type { CoreDeps } from '../deps.ts';
import type { PartyResolver } from '../identity/parties.ts';
import type { TokenService } from '../tokens/types.ts';
import type { Client } from './clients/client.ts';
import type { MetadataDocumentResolver } from './clients/metadata-document.ts';
import type { ClientService } from './clients/service.ts';
import type { RevokedTokens } from './revoked-tokens.ts';
import type { SenderConstraints } from './sender/index.ts';

/** What every OAuth endpoint and grant receives. */
export interface OAuthContext extends CoreDeps {
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly clients: ClientService;
  readonly documents: MetadataDocumentResolver;
  /** Client-credentials access tokens revoked one by one (RFC 7009). */
  readonly revokedTokens: RevokedTokens;
  /** DPoP proofs and the replay cache shared by one-time proofs and client assertions. */
  readonly sender: SenderConstraints;
  /** Users' current standing (role) in organizations, cached and invalidated like every credential check's. */
  readonly parties: PartyResolver;
  /** A registered client by id, or a metadata-document client by URL; throws invalid_client. */
  resolveClient(clientId: string): Promise<Client>;
  /** Ends every grant (session) of a client or a consent, and forgets the client's consents. */
  endGrants(where: { clientId?: string; consentId?: string }): Promise<number>;
}

/** Parameters of an OAuth request (form or query): single values, `resource` may repeat. */
export interface OAuthParams {
  readonly one: (name: string) => string | undefined;
  readonly all: (name: string) => readonly string[];
}
