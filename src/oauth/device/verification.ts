import { keyedHash, randomToken } from '../../lib/secure.ts';
import type { AttemptGuard } from '../../ratelimit/attempt-guard.ts';
import type { OAuthContext } from '../context.ts';
import { decideDeviceCode, findByUserCode, findDeviceCode } from '../records/device-codes.ts';
import { completeInteraction, findInteraction, insertInteraction } from '../records/interactions.ts';
import { findResourceByIdentifier } from '../records/resources.ts';
import type { OAuthDeviceCodeRow, OAuthInteractionRow } from '../tables.ts';
import { userCodeHash } from './authorization.ts';
import { displayUserCode, normalizeUserCode } from './user-code.ts';

/** The cookie that binds a device verification (code entered, sign-in, consent) to one browser. */
export const DEVICE_COOKIE = 'gh_device';

/** A browser's verification of one device code, kept as an `oauth_interactions` row (its own hash domain). */
export interface DeviceVerification {
  readonly handle: string;
  readonly row: OAuthInteractionRow;
  readonly device: OAuthDeviceCodeRow;
  /** Display form, shown so the person can compare it with the device's screen. */
  readonly userCode: string;
}

const HANDLE = /^[A-Za-z0-9_-]{43}$/;
const interactionHash = (ctx: OAuthContext, handle: string) => keyedHash(ctx.secrets.pepper, `device-interaction:${handle}`);
const live = (d: OAuthDeviceCodeRow, now: number) => d.status === 'pending' && d.consumed_at === null && d.expires_at > now;

/** A browser handle for the code-entry form: the cookie's when well-formed, else a new one. */
export function browserHandle(cookie: string | undefined): string {
  return cookie !== undefined && HANDLE.test(cookie) ? cookie : randomToken(32);
}

/** The CSRF token of the device pages' forms: derived from the cookie's handle, which a cross-site form cannot read. */
export function deviceCsrf(ctx: OAuthContext, handle: string): string {
  return keyedHash(ctx.secrets.pepper, `device-csrf:${handle}`);
}

export type EnterResult = { ok: true; handle: string } | { ok: false; reason: 'invalid' };

/**
 * The person typed a user code: brute-force guarded per IP (throws `too_many_attempts`); a live
 * code starts a verification bound to a new browser handle. Unknown, expired, used or decided
 * codes all answer the same.
 */
export async function enterUserCode(ctx: OAuthContext, guard: AttemptGuard, typed: string, ip: string): Promise<EnterResult> {
  await guard.assertAllowed('device_code', { ip });
  const canonical = normalizeUserCode(typed);
  const now = ctx.clock.now();
  const device = canonical === undefined ? undefined : await findByUserCode(ctx.storage.db, userCodeHash(ctx, canonical));
  if (!device || !live(device, now)) {
    await guard.recordFailure('device_code', { ip });
    return { ok: false, reason: 'invalid' };
  }
  const handle = randomToken(32);
  await insertInteraction(ctx.storage.db, {
    id_hash: interactionHash(ctx, handle),
    client_id: device.client_id,
    params: JSON.stringify({ deviceCodeHash: device.device_code_hash, userCode: displayUserCode(canonical ?? '') }),
    user_id: null,
    auth_time: null,
    created_at: now,
    expires_at: Math.min(device.expires_at, now + ctx.config.oauthInteractionTtl * 1000),
    completed_at: null,
  });
  return { ok: true, handle };
}

/** The verification of a cookie's handle while it and its device code are still pending; else undefined. */
export async function loadVerification(ctx: OAuthContext, handle: string | undefined): Promise<DeviceVerification | undefined> {
  if (handle === undefined || !HANDLE.test(handle)) return undefined;
  const now = ctx.clock.now();
  const row = await findInteraction(ctx.storage.db, interactionHash(ctx, handle));
  if (!row || row.completed_at !== null || row.expires_at <= now) return undefined;
  const { deviceCodeHash, userCode } = JSON.parse(row.params) as { deviceCodeHash?: string; userCode?: string };
  if (typeof deviceCodeHash !== 'string' || typeof userCode !== 'string') return undefined;
  const device = await findDeviceCode(ctx.storage.db, deviceCodeHash);
  if (!device || !live(device, now)) return undefined;
  return { handle, row, device, userCode };
}

export type DecideResult = 'approved' | 'denied' | 'expired' | 'invalid_target';

/**
 * The signed-in person's decision, taken once (the verification and the device code are both
 * consume-once). Approval needs the resources to belong to the chosen organization.
 */
export async function decide(
  ctx: OAuthContext,
  v: DeviceVerification,
  userId: string,
  decision: { allow: false } | { allow: true; organizationId: string },
): Promise<DecideResult> {
  const now = ctx.clock.now();
  if (decision.allow) {
    for (const r of JSON.parse(v.device.resource) as string[]) {
      const row = await findResourceByIdentifier(ctx.storage.db, [r]);
      if (!row || row.organization_id !== decision.organizationId) return 'invalid_target';
    }
  }
  if (!(await completeInteraction(ctx.storage.db, v.row.id_hash, now))) return 'expired';
  const done = await decideDeviceCode(
    ctx.storage.db,
    v.device.device_code_hash,
    now,
    decision.allow
      ? { status: 'approved', userId, organizationId: decision.organizationId, authTime: v.row.auth_time ?? now }
      : { status: 'denied' },
  );
  if (!done) return 'expired';
  ctx.audit.record({
    action: decision.allow ? 'oauth.device.approved' : 'oauth.device.denied',
    outcome: decision.allow ? 'success' : 'denied',
    organizationId: decision.allow ? decision.organizationId : null,
    actor: { type: 'user', id: userId },
    target: { type: 'oauth_client', id: v.device.client_id.slice(0, 200) },
    details: { scope: v.device.scope.slice(0, 500) },
  });
  return decision.allow ? 'approved' : 'denied';
}
