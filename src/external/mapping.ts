import { createHash } from 'node:crypto';
import { isValidScope } from '../authorization/index.ts';
import type { CoreDeps } from '../deps.ts';
import { findOrganization, operatorOrganizationId } from '../identity/organizations.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { JwtPayload } from '../tokens/jws.ts';
import { type ClaimPreset, claimAt, claimValues } from './presets.ts';

/** How one issuer's claims become a Principal. */
export interface ClaimMapping {
  readonly preset: ClaimPreset;
  /** `claim:NAME`, a fixed organization id or slug, or undefined: the operator organization. */
  readonly organization: string | undefined;
  /** Claim holding the memory spaces; undefined: `memory_space_id`, else `memory_spaces`, else every space. */
  readonly memorySpacesClaim?: string | undefined;
  readonly scopeClaims?: readonly string[] | undefined;
  readonly roleScopes?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** Scopes from the preset's and the configured claims, and roles mapped through `roleScopes`. */
export function scopesOf(payload: JwtPayload, m: ClaimMapping): string[] {
  const out = new Set<string>();
  for (const claim of [...m.preset.scopeClaims, ...(m.scopeClaims ?? [])]) for (const s of claimValues(claimAt(payload, claim))) out.add(s);
  for (const claim of m.preset.roleClaims) {
    for (const role of claimValues(claimAt(payload, claim))) {
      const mapped = m.roleScopes?.[role];
      if (mapped) for (const s of mapped) out.add(s);
      else out.add(role);
    }
  }
  return [...out].filter(isValidScope);
}

/**
 * The memory spaces a token is scoped to: the configured claim, else a `memory_space_id` claim
 * (one space), else `memory_spaces`, else every space of the organization. A claim of the wrong
 * type scopes it to none.
 */
export function spacesOf(payload: JwtPayload, claim: string | undefined): readonly string[] | '*' {
  if (claim !== undefined) return claimValues(claimAt(payload, claim));
  const one = payload.memory_space_id;
  if (one !== undefined) return typeof one === 'string' && one !== '' ? [one] : [];
  if (payload.memory_spaces !== undefined) return claimValues(payload.memory_spaces);
  return '*';
}

/** Organization ids by id, slug or `claim:NAME`, cached a minute; no mapping means the operator organization. */
export function organizationResolver(deps: Pick<CoreDeps, 'storage' | 'clock'>) {
  const cache = new Map<string, { id: string | undefined; at: number }>();
  const OPERATOR = '\0operator';
  async function lookup(value: string): Promise<string | undefined> {
    const now = deps.clock.now();
    const hit = cache.get(value);
    if (hit && now - hit.at < 60_000) return hit.id;
    const id = value === OPERATOR ? await operatorOrganizationId(deps.storage.db) : (await findOrganization(deps.storage.db, value))?.id;
    if (cache.size > 10_000) cache.clear();
    cache.set(value, { id, at: now });
    return id;
  }
  return async (spec: string | undefined, payload: JwtPayload): Promise<string | undefined> => {
    if (spec === undefined) return lookup(OPERATOR);
    const value = spec.startsWith('claim:') ? claimAt(payload, spec.slice('claim:'.length)) : spec;
    return typeof value === 'string' && value !== '' ? lookup(value) : undefined;
  };
}

/** The Principal of a verified external token. */
export function externalPrincipal(token: string, payload: JwtPayload, organizationId: string, m: ClaimMapping): Principal {
  return Object.freeze({
    kind: 'external',
    subject: String(payload.sub),
    organizationId,
    role: null,
    scopes: scopesOf(payload, m),
    memorySpaces: spacesOf(payload, m.memorySpacesClaim),
    credentialId: typeof payload.jti === 'string' ? payload.jti : createHash('sha256').update(token).digest('base64url').slice(0, 22),
    ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    ...(typeof payload.iss === 'string' ? { issuer: payload.iss } : {}),
  } satisfies Principal);
}
