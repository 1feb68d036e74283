import { errors as joseErrors } from 'jose';
import * as oauth from 'oauth4webapi';
import { GatehouseError } from '../errors/index.ts';

/** Codes of oauth4webapi checks that a forged or mixed-up answer fails (as opposed to a broken provider). */
const VALIDATION = new Set<string>([
  oauth.JWT_CLAIM_COMPARISON,
  oauth.JWT_TIMESTAMP_CHECK,
  oauth.JSON_ATTRIBUTE_COMPARISON,
  oauth.KEY_SELECTION,
  oauth.INVALID_RESPONSE,
]);

/**
 * The stable error for anything that went wrong talking to a provider. Public text names the
 * check that failed, never a token, a code or the provider's raw body.
 */
export function upstreamError(err: unknown, provider: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError) {
    const word = /^[a-z_]{1,64}$/.test(err.error) ? err.error : 'error';
    return new GatehouseError('social_provider_denied', `${provider} answered ${word}`);
  }
  if (err instanceof oauth.OperationProcessingError && err.code !== undefined && VALIDATION.has(err.code)) {
    // oauth4webapi's messages can quote what the provider sent; the public text names only the check.
    return new GatehouseError('social_response_invalid', `${provider}: the sign-in response failed validation (${err.code})`);
  }
  if (err instanceof joseErrors.JOSEError && !(err instanceof joseErrors.JWKSTimeout)) {
    return new GatehouseError('social_response_invalid', `${provider}: the ID token failed verification (${err.code})`);
  }
  if (err instanceof oauth.OperationProcessingError || err instanceof oauth.WWWAuthenticateChallengeError) {
    return new GatehouseError('social_provider_unavailable', `${provider} answered something unusable`, {}, { cause: err });
  }
  // fetch failures (refused, reset, DNS), timeouts and aborts: the provider is down or slow.
  // The cause (refused, timed out) goes to the server log with the 502, for the operator.
  return new GatehouseError('social_provider_unavailable', `${provider} could not be reached`, {}, { cause: err });
}
