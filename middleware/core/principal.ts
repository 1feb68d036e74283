import type { Role } from '../../src/identity/tables.ts';
import type { Principal, PrincipalKind } from '../../src/pipeline/principal.ts';

export type { Principal, PrincipalKind };

const ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'member', 'readonly']);
const KINDS: ReadonlySet<string> = new Set(['user', 'api_key', 'oauth_client', 'external', 'development']);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The Principal of a verified Gatehouse access token's claims. */
export function principalFromClaims(claims: Readonly<Record<string, unknown>>): Principal {
  const scope = str(claims.scope) ?? '';
  const spaces = claims.memory_spaces;
  const role = str(claims.role);
  const sid = str(claims.sid);
  const sub = String(claims.sub);
  return {
    kind: sub.startsWith('cli_') ? 'oauth_client' : 'user',
    subject: sub,
    organizationId: String(claims.org_id),
    role: role !== undefined && ROLES.has(role) ? (role as Role) : null,
    scopes: scope === '' ? [] : scope.split(' '),
    memorySpaces: Array.isArray(spaces) ? spaces.filter((s): s is string => typeof s === 'string') : '*',
    credentialId: String(claims.jti),
    ...(sid !== undefined ? { sessionId: sid } : {}),
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
    ...(str(claims.iss) !== undefined ? { issuer: str(claims.iss) } : {}),
    ...(sub.startsWith('usr_') ? { userId: sub } : {}),
  };
}

/** The Principal of a decision API answer (`principal` of `POST /v1/auth/check`). */
export function principalFromDecision(body: unknown): Principal {
  const p = (body as { principal?: Record<string, unknown> } | null)?.principal;
  if (p === undefined || p === null || typeof p !== 'object') throw new Error('decision API answered without a principal');
  const kind = str(p.kind);
  const role = str(p.role);
  const spaces = p.memory_spaces;
  const expires = str(p.expires_at);
  return {
    kind: kind !== undefined && KINDS.has(kind) ? (kind as PrincipalKind) : 'api_key',
    subject: String(p.subject),
    organizationId: String(p.organization_id),
    role: role !== undefined && ROLES.has(role) ? (role as Role) : null,
    scopes: Array.isArray(p.scopes) ? p.scopes.filter((s): s is string => typeof s === 'string') : [],
    memorySpaces: Array.isArray(spaces) ? spaces.filter((s): s is string => typeof s === 'string') : '*',
    credentialId: String(p.credential_id),
    ...(str(p.session_id) !== undefined ? { sessionId: str(p.session_id) } : {}),
    ...(str(p.user_id) !== undefined ? { userId: str(p.user_id) } : {}),
    ...(str(p.issuer) !== undefined ? { issuer: str(p.issuer) } : {}),
    ...(str(p.rate_limit_policy) !== undefined ? { rateLimitPolicy: str(p.rate_limit_policy) } : {}),
    ...(expires !== undefined ? { expiresAt: Date.parse(expires) } : {}),
  };
}
