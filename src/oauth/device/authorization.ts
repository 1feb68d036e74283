import { keyedHash, randomToken } from '../../lib/secure.ts';
import { isUniqueViolation } from '../../storage/index.ts';
import { assertWithin, parseScope } from '../checks/scope.ts';
import type { Client } from '../clients/client.ts';
import { DEVICE_CODE } from '../clients/metadata.ts';
import type { OAuthContext, OAuthParams } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { deleteExpiredDeviceCodes, insertDeviceCode } from '../records/device-codes.ts';
import { findResourceByIdentifier } from '../records/resources.ts';
import { newUserCode, normalizeUserCode } from './user-code.ts';

/** How long a device code and its user code live (RFC 8628 §3.2 `expires_in`). */
export const DEVICE_CODE_TTL_SECONDS = 600;
/** The first polling interval (RFC 8628 §3.2 `interval`); each `slow_down` adds 5 seconds. */
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

/** RFC 8628 §3.2 device authorization response. */
export interface DeviceAuthorizationBody {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** The keyed hashes under which device and user codes are stored (domain-separated). */
export const deviceCodeHash = (ctx: OAuthContext, code: string) => keyedHash(ctx.secrets.pepper, `device:${code}`);
export const userCodeHash = (ctx: OAuthContext, canonical: string) => keyedHash(ctx.secrets.pepper, `user-code:${canonical}`);

/**
 * RFC 8628 §3.1–3.2: checks the client may use the device grant, the scope is within the
 * client's, the resources are registered; stores the codes hashed and answers them once.
 */
export async function startDeviceAuthorization(ctx: OAuthContext, client: Client, params: OAuthParams): Promise<DeviceAuthorizationBody> {
  if (!client.grantTypes.includes(DEVICE_CODE)) throw new OAuthError('unauthorized_client', 'The client may not use the device flow');
  const scopes = parseScope(params.one('scope'));
  assertWithin(scopes, client.scope, 'The client');
  const resources = [...new Set(params.all('resource'))];
  if (resources.length > 5) throw new OAuthError('invalid_target', 'Too many resources');
  for (const r of resources) {
    if (!(await findResourceByIdentifier(ctx.storage.db, [r]))) throw new OAuthError('invalid_target', 'Unknown resource');
  }
  const now = ctx.clock.now();
  await deleteExpiredDeviceCodes(ctx.storage.db, now - 86_400_000);
  const deviceCode = randomToken(32);
  let userCode = newUserCode();
  const row = {
    device_code_hash: deviceCodeHash(ctx, deviceCode),
    user_code_hash: userCodeHash(ctx, normalizeUserCode(userCode) ?? ''),
    client_id: client.id,
    scope: scopes.join(' '),
    resource: JSON.stringify(resources),
    status: 'pending',
    poll_interval: DEVICE_POLL_INTERVAL_SECONDS,
    last_polled_at: null,
    user_id: null,
    organization_id: null,
    auth_time: null,
    created_at: now,
    expires_at: now + DEVICE_CODE_TTL_SECONDS * 1000,
    consumed_at: null,
    session_id: null,
  };
  // A live user code is unique; on the rare collision a fresh one is drawn.
  for (let attempt = 0; ; attempt++) {
    try {
      await insertDeviceCode(ctx.storage.db, { ...row, user_code_hash: userCodeHash(ctx, normalizeUserCode(userCode) ?? '') });
      break;
    } catch (err) {
      if (attempt >= 3 || !isUniqueViolation(err)) throw err;
      userCode = newUserCode();
    }
  }
  const verification = `${ctx.config.publicUrl}/device`;
  return {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: verification,
    verification_uri_complete: `${verification}?user_code=${userCode}`,
    expires_in: DEVICE_CODE_TTL_SECONDS,
    interval: DEVICE_POLL_INTERVAL_SECONDS,
  };
}
