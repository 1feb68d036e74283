import { verifyPassword } from '../../credentials/passwords.ts';
import { normalizeEmail, normalizeUsername } from '../../identity/normalize.ts';
import { findUserByIdentifier } from '../../identity/users.ts';
import type { AttemptGuard } from '../../ratelimit/attempt-guard.ts';
import type { OAuthContext } from '../context.ts';

/**
 * The sign-in page's check: the brute-force guard first (throws `too_many_attempts`), then the
 * same argon2 work for known and unknown accounts. Answers the user id, or undefined.
 */
export async function signIn(
  ctx: OAuthContext,
  guard: AttemptGuard,
  identifier: string,
  password: string,
  client: { ip: string; userAgent: string | null; requestId: string },
): Promise<string | undefined> {
  const byEmail = identifier.includes('@');
  const account = byEmail ? normalizeEmail(identifier) : normalizeUsername(identifier);
  const keys = { account, ip: client.ip };
  await guard.assertAllowed('login', keys);
  const user = await findUserByIdentifier(ctx.storage.db, byEmail ? { email: identifier } : { username: identifier });
  const ok = await verifyPassword(user?.password_hash, password);
  if (!user || !ok || user.disabled_at !== null) {
    await guard.recordFailure('login', keys);
    ctx.audit.record({
      action: 'auth.login.failed',
      outcome: 'failure',
      organizationId: null,
      actor: { type: user ? 'user' : 'anonymous', id: user?.id ?? null },
      ...client,
      details: { via: 'oauth_authorize' },
    });
    return undefined;
  }
  await guard.recordSuccess('login', keys);
  ctx.audit.record({
    action: 'auth.login.succeeded',
    outcome: 'success',
    organizationId: null,
    actor: { type: 'user', id: user.id },
    ...client,
    details: { via: 'oauth_authorize' },
  });
  return user.id;
}
