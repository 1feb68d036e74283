import type { AuditTables } from '../audit/tables.ts';
import type { ChangeFeedTables } from '../cluster/change-feed-tables.ts';
import type { ApiKeyTables } from '../credentials/api-key-tables.ts';
import type { SessionTables } from '../credentials/session-tables.ts';
import type { IdentityTables, InvitationTables } from '../identity/tables.ts';
import type { OAuthSessionTables } from '../oauth/session-tables.ts';
import type { OAuthTables } from '../oauth/tables.ts';
import type { LimitTables } from '../ratelimit/tables.ts';
import type { SocialTables } from '../social/tables.ts';
import type { TokenTables } from '../tokens/tables.ts';

/** Every table Gatehouse stores, as Kysely sees it. Each module owns the shape of its own. */
export interface Database
  extends IdentityTables,
    InvitationTables,
    SessionTables,
    TokenTables,
    ApiKeyTables,
    AuditTables,
    LimitTables,
    ChangeFeedTables,
    OAuthTables,
    OAuthSessionTables,
    SocialTables {}
