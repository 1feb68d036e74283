import { authorize, isValidScope, ungrantable } from '../../../authorization/index.ts';
import { validateCidrs } from '../../../credentials/api-keys/cidr.ts';
import { GatehouseError } from '../../../errors/index.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import type { Db } from '../../../storage/index.ts';

const METADATA_MAX = 4096;

/** Scopes must be well-formed and covered by what the caller holds: a scope only narrows. */
export function checkScopes(principal: Principal, scopes: readonly string[]): void {
  // A key outlives the token: a credential handed to a third party would otherwise become a lasting
  // one that survives revoking the grant, the consent or the client.
  authorize(principal, { ownCredential: true });
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

/** No key, whatever the settings, expires further away than this. */
export const KEY_LIFETIME_CEILING_DAYS = 3650;
const DAY_MS = 86_400_000;

/**
 * When a new key expires: what was asked for (epoch ms, or null for no expiry), held to the
 * lifetime policy (the shorter of the server's and the organization's, when either is set; an
 * omitted expiry gets the policy's maximum), to the hard ceiling, and — for a key minted by a key —
 * to the parent key's own end. Asking beyond the policy or the ceiling is `api_key_lifetime_exceeded`;
 * a child simply ends with its parent.
 */
export function keyExpiry(
  principal: Principal,
  requested: number | null,
  now: number,
  policyDays: readonly (number | null)[],
): number | null {
  const days = policyDays.filter((d): d is number => d !== null && d > 0);
  const policy = days.length > 0 ? Math.min(...days) : undefined;
  const limit = now + Math.min(policy ?? KEY_LIFETIME_CEILING_DAYS, KEY_LIFETIME_CEILING_DAYS) * DAY_MS;
  if (requested !== null && requested > limit) {
    const why =
      policy !== undefined ? `the lifetime policy allows at most ${policy} days` : `keys live at most ${KEY_LIFETIME_CEILING_DAYS} days`;
    throw new GatehouseError('api_key_lifetime_exceeded', `body/expires_at is too far away: ${why}`);
  }
  let expiresAt = requested ?? (policy !== undefined ? limit : null);
  const parentEnd = principal.kind === 'api_key' ? principal.expiresAt : undefined;
  if (parentEnd !== undefined && (expiresAt === null || expiresAt > parentEnd)) expiresAt = parentEnd;
  return expiresAt;
}
