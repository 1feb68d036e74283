import type { SessionService } from '../credentials/session-types.ts';
import type { CoreDeps } from '../deps.ts';
import type { PartyResolver } from '../identity/parties.ts';
import type { TokenService } from '../tokens/types.ts';
import { clientFromRow } from './clients/client.ts';
import { createMetadataDocumentResolver, isMetadataDocumentId } from './clients/metadata-document.ts';
import { findClient } from './clients/repository.ts';
import { createClientService } from './clients/service.ts';
import type { OAuthContext } from './context.ts';
import { OAuthError } from './errors.ts';
import { deleteConsentsOfClient } from './records/consents.ts';
import { grantSessions } from './records/grants.ts';
import type { RevokedTokens } from './revoked-tokens.ts';
import type { SenderConstraints } from './sender/index.ts';

const CLIENT_ID = /^cli_[0-9a-hjkmnp-tv-z]{26}$/;

/**
 * The OAuth authorization server's shared context: clients (registered and metadata documents),
 * token issuing through the server's keys, grants kept as login sessions (so revoking the user's
 * sessions ends them too).
 *
 * @example
 * const oauth = createOAuth({ ...core, tokens, sessions });
 * const client = await oauth.resolveClient('cli_…');
 */
export function createOAuth(
  deps: CoreDeps & {
    tokens: TokenService;
    sessions: SessionService;
    revokedTokens: RevokedTokens;
    sender: SenderConstraints;
    parties: PartyResolver;
  },
): OAuthContext {
  const { storage, config, clock, sessions } = deps;
  const db = storage.db;

  async function endGrants(where: { clientId?: string; consentId?: string }): Promise<number> {
    const ids = await grantSessions(db, where);
    for (const id of ids) await sessions.revoke(id, 'admin');
    return ids.length;
  }

  const clients = createClientService({
    ...deps,
    onDeleted: async (clientId) => {
      await deleteConsentsOfClient(db, clientId);
      await endGrants({ clientId });
    },
  });
  const documents = createMetadataDocumentResolver(config);

  return {
    ...deps,
    clients,
    documents,
    endGrants,
    async resolveClient(clientId) {
      if (CLIENT_ID.test(clientId)) {
        const row = await findClient(db, clientId);
        if (row) return clientFromRow(row);
      } else if (config.oauthClientMetadataDocuments && isMetadataDocumentId(clientId, config.oauthCimdAllowPrivateAddresses)) {
        return documents.resolve(clientId, clock.now());
      }
      throw new OAuthError('invalid_client', 'Unknown client');
    },
  };
}
