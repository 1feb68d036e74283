import { createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import { SHARED_SECRET_MIN_BYTES } from '../config/options/shared-secret.ts';
import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import type { Principal } from '../pipeline/principal.ts';
import { verifyJwt } from '../tokens/jws.ts';
import { type ClaimMapping, externalPrincipal, organizationResolver } from './mapping.ts';
import { PRESET_CLAIMS } from './presets.ts';

/** The configured shared secret, or undefined; throws at start when it is too short or doubly set. */
export function sharedSecretKey(config: Config): KeyObject | undefined {
  const { jwtSharedSecret: inline, jwtSharedSecretFile: file } = config;
  if (inline !== undefined && file !== undefined) throw new Error('set one of jwtSharedSecret and jwtSharedSecretFile, not both');
  let secret: Buffer | undefined;
  if (inline !== undefined) secret = Buffer.from(inline, 'utf8');
  else if (file !== undefined) {
    try {
      secret = Buffer.from(readFileSync(file, 'utf8').replace(/\r?\n$/, ''), 'utf8');
    } catch (err) {
      throw new Error(`jwtSharedSecretFile: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if (secret === undefined) return undefined;
  if (secret.length < SHARED_SECRET_MIN_BYTES)
    throw new Error(`the JWT shared secret must be at least ${SHARED_SECRET_MIN_BYTES} bytes (it has ${secret.length}); use a random one`);
  return createSecretKey(secret);
}

export interface SharedSecretVerifier {
  trusts(issuer: string | undefined): boolean;
  verify(token: string): Promise<Principal>;
}

/**
 * The opt-in issuer of HMAC-signed JWTs: tokens with its `iss` (or none, when no issuer is
 * configured) are checked with the shared secret, HMAC algorithms only, `exp` required unless
 * waived, and mapped like any external token (`permissions`, `memory_space_id`, `memory_spaces`).
 */
export function createSharedSecretVerifier(deps: Pick<CoreDeps, 'config' | 'storage' | 'clock'>): SharedSecretVerifier | undefined {
  const { config, clock } = deps;
  const key = sharedSecretKey(config);
  if (key === undefined) return undefined;
  const issuer = config.jwtSharedSecretIssuer;
  const organizationOf = organizationResolver(deps);
  const mapping: ClaimMapping = { preset: PRESET_CLAIMS.generic, organization: config.jwtSharedSecretOrganization };
  return {
    trusts: (iss) => iss === issuer,
    async verify(token) {
      const { payload } = await verifyJwt(token, () => key, {
        algorithms: config.jwtSharedSecretAlgorithms,
        ...(issuer !== undefined ? { issuer } : {}),
        ...(config.jwtSharedSecretAudience !== undefined ? { audience: config.jwtSharedSecretAudience } : {}),
        clockSkew: config.clockSkew,
        now: clock.now(),
        requiredClaims: ['sub'],
        requireExp: config.jwtSharedSecretRequireExp,
      });
      if (issuer === undefined && payload.iss !== undefined) throw new GatehouseError('invalid_issuer', 'Invalid issuer');
      const organizationId = await organizationOf(mapping.organization, payload);
      if (organizationId === undefined) throw new GatehouseError('invalid_token', 'Unknown organization');
      return externalPrincipal(token, payload, organizationId, mapping);
    },
  };
}
