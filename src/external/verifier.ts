import { configuredIssuers, type IssuerConfig } from '../config/options/external.ts';
import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import type { ExternalVerifier } from '../pipeline/authenticate.ts';
import { verifyJwt } from '../tokens/jws.ts';
import { JwksCache } from './jwks-cache.ts';
import { type ClaimMapping, externalPrincipal, organizationResolver } from './mapping.ts';
import { type ClaimPreset, PRESET_CLAIMS } from './presets.ts';
import { createSharedSecretVerifier } from './shared-secret.ts';

const trim = (s: string) => s.replace(/\/+$/, '');

interface Trusted {
  readonly config: IssuerConfig;
  readonly preset: ClaimPreset;
  readonly jwks: JwksCache;
  readonly mapping: ClaimMapping;
}

/**
 * Trust in external identity providers: tokens routed here by their `iss` are verified against
 * that issuer's JWKS (never keys from the token), with its algorithm allowlist, audience, expiry
 * and clock skew, then mapped to a Principal of a Gatehouse organization — the one the issuer's
 * mapping names, else the operator organization. The opt-in shared-secret issuer
 * (shared-secret.ts) is routed the same way.
 */
export function createExternalVerifier(deps: CoreDeps): ExternalVerifier & { close(): Promise<void>; jwksFetches(issuer: string): number } {
  const { config, clock, log } = deps;
  const limits = { timeoutMs: config.jwksTimeout * 1000, maxBytes: config.jwksMaxBytes, refetchMs: config.jwksRefetchInterval * 1000 };
  const trusted = new Map<string, Trusted>();
  for (const c of configuredIssuers(config)) {
    const preset = PRESET_CLAIMS[c.preset];
    trusted.set(trim(c.issuer), {
      config: c,
      preset,
      jwks: new JwksCache({ issuer: c.issuer, jwksUri: c.jwksUri }, limits, clock, log),
      mapping: {
        preset,
        organization: c.organization ?? preset.organization,
        memorySpacesClaim: c.memorySpacesClaim,
        scopeClaims: c.scopeClaims,
        roleScopes: c.roleScopes,
      },
    });
  }
  const shared = createSharedSecretVerifier(deps);
  const organizationOf = organizationResolver(deps);

  return {
    trusts: (issuer) => shared?.trusts(issuer) === true || (issuer !== undefined && trusted.has(trim(issuer))),

    async verify(token, issuer) {
      if (shared?.trusts(issuer)) return shared.verify(token);
      const t = issuer === undefined ? undefined : trusted.get(trim(issuer));
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
      const orgId = await organizationOf(t.mapping.organization, payload);
      if (orgId === undefined) throw new GatehouseError('invalid_token', 'Unknown organization');
      return externalPrincipal(token, payload, orgId, t.mapping);
    },

    jwksFetches: (issuer) => trusted.get(trim(issuer))?.jwks.fetches ?? 0,
    close: async () => {},
  };
}
