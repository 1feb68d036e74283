import { createHash } from 'node:crypto';
import { isValidScope } from '../authorization/index.ts';
import { configuredIssuers, type IssuerConfig } from '../config/options/external.ts';
import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import { findOrganization } from '../identity/organizations.ts';
import type { ExternalVerifier } from '../pipeline/authenticate.ts';
import type { Principal } from '../pipeline/principal.ts';
import { type JwtPayload, verifyJwt } from '../tokens/jws.ts';
import { JwksCache } from './jwks-cache.ts';
import { type ClaimPreset, claimAt, claimValues, PRESET_CLAIMS } from './presets.ts';

const trim = (s: string) => s.replace(/\/+$/, '');

interface Trusted {
  readonly config: IssuerConfig;
  readonly preset: ClaimPreset;
  readonly jwks: JwksCache;
}

/** Scopes from the preset's and the configured claims, and roles mapped through `roleScopes`. */
function scopesOf(payload: JwtPayload, t: Trusted): string[] {
  const out = new Set<string>();
  for (const claim of [...t.preset.scopeClaims, ...(t.config.scopeClaims ?? [])])
    for (const s of claimValues(claimAt(payload, claim))) out.add(s);
  for (const claim of t.preset.roleClaims) {
    for (const role of claimValues(claimAt(payload, claim))) {
      const mapped = t.config.roleScopes?.[role];
      if (mapped) for (const s of mapped) out.add(s);
      else out.add(role);
    }
  }
  return [...out].filter(isValidScope);
}

/**
 * Trust in external identity providers: tokens routed here by their `iss` are verified against
 * that issuer's JWKS (never keys from the token), with its algorithm allowlist, audience, expiry
 * and clock skew, then mapped to a Principal of a Gatehouse organization.
 */
export function createExternalVerifier(deps: CoreDeps): ExternalVerifier & { close(): Promise<void>; jwksFetches(issuer: string): number } {
  const { config, clock, log, storage } = deps;
  const limits = { timeoutMs: config.jwksTimeout * 1000, maxBytes: config.jwksMaxBytes, refetchMs: config.jwksRefetchInterval * 1000 };
  const trusted = new Map<string, Trusted>();
  for (const c of configuredIssuers(config)) {
    trusted.set(trim(c.issuer), {
      config: c,
      preset: PRESET_CLAIMS[c.preset],
      jwks: new JwksCache({ issuer: c.issuer, jwksUri: c.jwksUri }, limits, clock, log),
    });
  }
  const orgCache = new Map<string, { id: string | undefined; at: number }>();

  async function organizationId(value: string): Promise<string | undefined> {
    const now = clock.now();
    const hit = orgCache.get(value);
    if (hit && now - hit.at < 60_000) return hit.id;
    const org = await findOrganization(storage.db, value);
    if (orgCache.size > 10_000) orgCache.clear();
    orgCache.set(value, { id: org?.id, at: now });
    return org?.id;
  }

  return {
    trusts: (issuer) => trusted.has(trim(issuer)),

    async verify(token, issuer) {
      const t = trusted.get(trim(issuer));
      if (!t) throw new GatehouseError('invalid_issuer', 'Invalid issuer');
      const byClientId = t.preset.audienceClaim === 'client_id';
      const { payload } = await verifyJwt(token, (h) => t.jwks.resolve(h), {
        algorithms: t.config.algorithms,
        issuer: [trim(t.config.issuer), `${trim(t.config.issuer)}/`],
        ...(byClientId ? {} : { audience: t.config.audience }),
        clockSkew: config.clockSkew,
        now: clock.now(),
        requiredClaims: ['sub'],
      });
      if (byClientId && payload.client_id !== t.config.audience) throw new GatehouseError('invalid_audience', 'Invalid audience');
      const orgSpec = t.config.organization ?? t.preset.organization ?? 'claim:org_id';
      const orgValue = orgSpec.startsWith('claim:') ? claimAt(payload, orgSpec.slice('claim:'.length)) : orgSpec;
      const orgId = typeof orgValue === 'string' && orgValue !== '' ? await organizationId(orgValue) : undefined;
      if (orgId === undefined) throw new GatehouseError('invalid_token', 'Unknown organization');
      const spaces = t.config.memorySpacesClaim !== undefined ? claimValues(claimAt(payload, t.config.memorySpacesClaim)) : undefined;
      const principal: Principal = {
        kind: 'external',
        subject: String(payload.sub),
        organizationId: orgId,
        role: null,
        scopes: scopesOf(payload, t),
        memorySpaces: spaces ?? '*',
        credentialId: typeof payload.jti === 'string' ? payload.jti : createHash('sha256').update(token).digest('base64url').slice(0, 22),
        expiresAt: Number(payload.exp) * 1000,
        issuer: String(payload.iss),
      };
      return Object.freeze(principal);
    },

    jwksFetches: (issuer) => trusted.get(trim(issuer))?.jwks.fetches ?? 0,
    close: async () => {},
  };
}
