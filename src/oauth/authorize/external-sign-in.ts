import type { OAuthContext } from '../context.ts';
import { findInteraction, setInteractionUser } from '../records/interactions.ts';

/**
 * The hook another sign-in method (an upstream provider) uses to finish the sign-in step of a
 * pending authorization: the interaction (by its id hash) gets its user, exactly as a correct
 * password would give it. False when the interaction is unknown, expired or already completed.
 */
export async function signInInteraction(ctx: OAuthContext, interactionHash: string, userId: string): Promise<boolean> {
  const row = await findInteraction(ctx.storage.db, interactionHash);
  const now = ctx.clock.now();
  if (!row || row.completed_at !== null || row.expires_at <= now) return false;
  await setInteractionUser(ctx.storage.db, interactionHash, userId, now);
  return true;
}
