import { isValidScope, roleAtLeast, ungrantable } from '../../../authorization/index.ts';
import { validateCidrs } from '../../../credentials/api-keys/cidr.ts';
import { GatehouseError } from '../../../errors/index.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import type { Db } from '../../../storage/index.ts';

const METADATA_MAX = 4096;

/** Scopes must be well-formed and covered by what the caller holds: a scope only narrows. */
export function checkScopes(principal: Principal, scopes: readonly string[]): void {
  // A key outlives the token and no Gatehouse user answers for it: an external identity (whose
  // issuer decides its scopes) would otherwise turn them into a lasting credential with no role.
  if (principal.kind === 'external')
    throw new GatehouseError('insufficient_role', 'An external identity cannot create or widen API keys; a Gatehouse user or key can');
  const bad = scopes.find((s) => !isValidScope(s));
  if (bad !== undefined) throw new GatehouseError('validation_failed', `body/scopes contains an invalid scope: ${bad.slice(0, 60)}`);
  const over = ungrantable(principal.scopes, scopes);
  if (over.length > 0)
    throw new GatehouseError('scope_escalation', `Cannot grant scopes you do not hold: ${over.join(' ')}`, { scope: over.join(' ') });
}

/** Memory spaces must exist in the organization and be within the caller's own. */
export async function checkSpaces(db: Db, principal: Principal, spaces: readonly string[] | '*'): Promise<void> {
  if (spaces === '*') {
    if (principal.memorySpaces !== '*')
      throw new GatehouseError('scope_escalation', 'Cannot grant every memory space: you are bound to some');
    return;
  }
  if (principal.memorySpaces !== '*') {
    const held = principal.memorySpaces;
    const over = spaces.filter((s) => !held.includes(s));
    if (over.length > 0)
      throw new GatehouseError('scope_escalation', `Cannot grant memory spaces you are not bound to: ${over.join(', ')}`);
  }
  if (spaces.length === 0) return;
  const found = await db
    .selectFrom('memory_spaces')
    .select('name')
    .where('organization_id', '=', principal.organizationId)
    .where('name', 'in', [...spaces])
    .execute();
  const known = new Set(found.map((r) => r.name));
  const missing = spaces.filter((s) => !known.has(s));
  if (missing.length > 0) throw new GatehouseError('validation_failed', `Unknown memory space: ${missing.join(', ').slice(0, 200)}`);
}

export function checkCidrs(cidrs: readonly string[] | undefined | null): void {
  if (!cidrs) return;
  try {
    validateCidrs(cidrs);
  } catch (err) {
    throw new GatehouseError('validation_failed', `body/allowed_cidrs: ${(err as Error).message}`);
  }
}

/** A key's rate-limit tier must be one the deployment defines (`rateLimitTiers`); an unknown one is never silently ignored. */
export function checkRateLimitTier(tiers: Readonly<Record<string, unknown>>, tier: string | undefined | null): void {
  if (tier === undefined || tier === null || Object.hasOwn(tiers, tier)) return;
  const known = Object.keys(tiers);
  throw new GatehouseError(
    'validation_failed',
    `body/rate_limit: unknown tier ${JSON.stringify(tier.slice(0, 64))} (${known.length > 0 ? `tiers: ${known.join(', ')}` : 'no tiers are configured'})`,
  );
}

export function checkMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata !== undefined && JSON.stringify(metadata).length > METADATA_MAX) {
    throw new GatehouseError('validation_failed', `body/metadata must serialise to at most ${METADATA_MAX} bytes`);
  }
}

/** Users below admin manage only the keys they created; admins, owners and keys manage all. */
export function mayManage(principal: Principal, createdBy: string | null): boolean {
  // External identities hold no Gatehouse role: like a member, they manage no one else's key.
  const roleless = principal.kind === 'user' || principal.kind === 'external';
  return !roleless || roleAtLeast(principal.role, 'admin') || (createdBy !== null && createdBy === principal.userId);
}
