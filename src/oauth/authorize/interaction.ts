import { keyedHash, randomToken } from '../../lib/secure.ts';
import type { OAuthContext } from '../context.ts';
import { completeInteraction, findInteraction, insertInteraction } from '../records/interactions.ts';
import type { OAuthInteractionRow } from '../tables.ts';
import type { AuthorizationRequest } from './request.ts';

/** The cookie that binds a pending authorization to the browser that started it. */
export const INTERACTION_COOKIE = 'gh_oauth_interaction';

export interface Interaction {
  readonly handle: string;
  readonly row: OAuthInteractionRow;
  readonly request: AuthorizationRequest;
}

const hashOf = (ctx: OAuthContext, handle: string) => keyedHash(ctx.secrets.pepper, `interaction:${handle}`);

/**
 * Stores a validated request; answers the handle the browser keeps in a cookie (only its keyed
 * hash is stored). `signedIn`: the browser's session already says who the user is (no sign-in page).
 */
export async function startInteraction(
  ctx: OAuthContext,
  request: AuthorizationRequest,
  signedIn?: { readonly userId: string; readonly authTime: number },
): Promise<string> {
  const handle = randomToken(32);
  const now = ctx.clock.now();
  await insertInteraction(ctx.storage.db, {
    id_hash: hashOf(ctx, handle),
    client_id: request.clientId,
    params: JSON.stringify(request),
    user_id: signedIn?.userId ?? null,
    auth_time: signedIn?.authTime ?? null,
    created_at: now,
    expires_at: now + ctx.config.oauthInteractionTtl * 1000,
    completed_at: null,
  });
  return handle;
}

/** The pending interaction of a cookie value; undefined when unknown, expired or already completed. */
export async function loadInteraction(ctx: OAuthContext, handle: string | undefined): Promise<Interaction | undefined> {
  if (handle === undefined || !/^[A-Za-z0-9_-]{43}$/.test(handle)) return undefined;
  const row = await findInteraction(ctx.storage.db, hashOf(ctx, handle));
  if (!row || row.completed_at !== null || row.expires_at <= ctx.clock.now()) return undefined;
  return { handle, row, request: JSON.parse(row.params) as AuthorizationRequest };
}

/** The CSRF token of an interaction's forms: derived from the cookie's handle, so a cross-site form cannot know it. */
export function csrfToken(ctx: OAuthContext, handle: string): string {
  return keyedHash(ctx.secrets.pepper, `csrf:${handle}`);
}

/** Consume-once: true for the one request that completes the interaction. */
export function finishInteraction(ctx: OAuthContext, interaction: Interaction): Promise<boolean> {
  return completeInteraction(ctx.storage.db, interaction.row.id_hash, ctx.clock.now());
}
