import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import { keyedHash, randomToken } from '../lib/secure.ts';
import { githubClient } from './github.ts';
import { oidcClient } from './oidc.ts';
import type { SocialProvider } from './providers.ts';
import { consumeFlow, insertFlow } from './records.ts';
import type { SocialFlowRow } from './tables.ts';
import type { UpstreamClient, UpstreamFlow, UpstreamProfile } from './upstream.ts';
import { upstreamError } from './upstream-errors.ts';

const clientOf = (p: SocialProvider): UpstreamClient => (p.config.kind === 'github' ? githubClient : oidcClient);

/** Where the provider sends the browser back: register this URL at the provider. */
export function callbackUrl(deps: CoreDeps, providerId: string): string {
  return `${deps.config.publicUrl}/v1/auth/${providerId}/callback`;
}

/** Everything a sign-in needs besides its state is derived from the state with the pepper: nothing secret is stored. */
function upstreamFlow(deps: CoreDeps, provider: SocialProvider, state: string): UpstreamFlow {
  return {
    provider,
    redirectUri: callbackUrl(deps, provider.config.id),
    state,
    codeVerifier: keyedHash(deps.secrets.pepper, `social-pkce:${state}`),
    nonce: keyedHash(deps.secrets.pepper, `social-nonce:${state}`),
    timeoutMs: deps.config.jwksTimeout * 1000,
    now: deps.clock.now(),
  };
}

export const stateHash = (deps: CoreDeps, state: string) => keyedHash(deps.secrets.pepper, `social-state:${state}`);

/**
 * Starts a sign-in at a provider: stores the flow (only the state's keyed hash) and answers the
 * provider's authorization URL and the state, which the caller also binds to the browser (cookie).
 */
export async function startFlow(
  deps: CoreDeps,
  provider: SocialProvider,
  purpose: SocialFlowRow['purpose'],
  bound: { interactionHash?: string; userId?: string } = {},
): Promise<{ state: string; url: URL }> {
  const state = randomToken(32);
  let url: URL;
  try {
    url = await clientOf(provider).authorizationUrl(upstreamFlow(deps, provider, state));
  } catch (err) {
    throw upstreamError(err, provider.config.id);
  }
  const now = deps.clock.now();
  await insertFlow(
    deps.storage.db,
    {
      state_hash: stateHash(deps, state),
      provider: provider.config.id,
      purpose,
      interaction_hash: bound.interactionHash ?? null,
      user_id: bound.userId ?? null,
      created_at: now,
      expires_at: now + deps.config.socialFlowTtl * 1000,
      consumed_at: null,
    },
    now,
  );
  return { state, url };
}

/** Claims the flow of a callback's state, once; a second callback with it (a replay) is refused. */
export async function claimFlow(deps: CoreDeps, provider: SocialProvider, state: string): Promise<SocialFlowRow> {
  const flow = await consumeFlow(deps.storage.db, stateHash(deps, state), deps.clock.now());
  if (!flow || flow.provider !== provider.config.id)
    throw new GatehouseError('social_state_invalid', 'This sign-in has expired or was already completed; start again');
  return flow;
}

/** Validates the provider's callback and answers who signed in; every failure is a stable error. */
export async function completeFlow(
  deps: CoreDeps,
  provider: SocialProvider,
  state: string,
  callback: URLSearchParams,
): Promise<UpstreamProfile> {
  try {
    return await clientOf(provider).complete(upstreamFlow(deps, provider, state), callback);
  } catch (err) {
    throw upstreamError(err, provider.config.id);
  }
}
