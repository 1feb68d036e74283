import { apiKeyErrors } from './codes/api-keys.ts';
import { authenticationErrors } from './codes/authentication.ts';
import { authorizationErrors } from './codes/authorization.ts';
import { edgeErrors } from './codes/edge.ts';
import { externalErrors } from './codes/external.ts';
import { generalErrors } from './codes/general.ts';
import { identityErrors } from './codes/identity.ts';
import { inputErrors } from './codes/input.ts';
import { limitErrors } from './codes/limits.ts';
import { oauthErrors } from './codes/oauth.ts';
import { senderErrors } from './codes/sender.ts';
import { sessionErrors } from './codes/sessions.ts';
import { socialErrors } from './codes/social.ts';
import { tokensErrors } from './codes/tokens.ts';
import type { ErrorSpec } from './spec.ts';

/**
 * The one registry of stable error codes. Each domain keeps its entries in `codes/<domain>.ts`;
 * `test/errors/registry.test.ts` keeps numbers unique and in sync with docs/errors.md and OpenAPI.
 */
export const ERRORS = {
  ...generalErrors,
  ...inputErrors,
  ...identityErrors,
  ...sessionErrors,
  ...authenticationErrors,
  ...apiKeyErrors,
  ...authorizationErrors,
  ...limitErrors,
  ...tokensErrors,
  ...externalErrors,
  ...edgeErrors,
  ...oauthErrors,
  ...socialErrors,
  ...senderErrors,
} as const satisfies Record<string, ErrorSpec>;

/** The closed union of error names, e.g. `'token_expired'`. */
export type ErrorName = keyof typeof ERRORS;

export function errorSpec(name: ErrorName): ErrorSpec {
  return ERRORS[name];
}
