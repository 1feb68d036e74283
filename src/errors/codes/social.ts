import type { ErrorSpec } from '../spec.ts';

/** Social and upstream sign-in (ERR-8020..8029). */
export const socialErrors = {
  social_provider_unknown: {
    code: 'ERR-8020',
    status: 404,
    title: 'Sign-in provider not configured',
    description: 'No sign-in provider with this name is configured on this server. See `socialProviders` in docs/configuration.md.',
  },
  social_state_invalid: {
    code: 'ERR-8021',
    status: 400,
    title: 'Sign-in attempt not recognised',
    description:
      "The provider's callback does not belong to a sign-in this browser started: the `state` is missing, does not match the browser's cookie, has expired or was already used (a replayed callback). Start the sign-in again.",
  },
  social_provider_denied: {
    code: 'ERR-8022',
    status: 400,
    title: 'The sign-in provider refused',
    description:
      'The provider answered the sign-in with an error (the user declined, or it refused the authorization code). Start the sign-in again.',
  },
  social_provider_unavailable: {
    code: 'ERR-8023',
    status: 502,
    title: 'Sign-in provider unavailable',
    description:
      'The provider could not be reached, timed out or answered something that is not a valid response (discovery, token endpoint, keys or user API). Nothing was changed; retry later.',
  },
  social_response_invalid: {
    code: 'ERR-8024',
    status: 400,
    title: 'Sign-in response failed validation',
    description:
      "The provider's answer failed a check a relying party must make: the ID token's issuer, audience, nonce, lifetime or signature (the provider's JWKS), or the `iss` of the authorization response (RFC 9207). Nothing was changed.",
  },
  social_email_unverified: {
    code: 'ERR-8025',
    status: 403,
    title: 'Email address not verified',
    description:
      'The provider does not vouch for an email address of this account (`email_verified`, or a verified primary email on GitHub). Verify the address at the provider, or sign in another way and link the provider from your account.',
  },
  social_identity_taken: {
    code: 'ERR-8026',
    status: 409,
    title: 'Provider account already linked',
    description:
      'This provider account is linked to another user, or your user already has another account of this provider linked. Unlink it first.',
  },
  social_last_sign_in: {
    code: 'ERR-8027',
    status: 409,
    title: 'Last way to sign in',
    description:
      'The user has no password and this is their only linked provider: unlinking it would lock them out. Set a password or link another provider first.',
  },
  social_user_required: {
    code: 'ERR-8028',
    status: 403,
    title: "A user's own session is required",
    description:
      "Linked sign-in providers are managed with the user's own session (a token from login), not with an API key or a client's token.",
  },
  social_link_requires_sign_in: {
    code: 'ERR-8029',
    status: 409,
    title: 'Sign in to link this provider',
    description:
      "A user with this email already signs in with a password. Gatehouse never proved that whoever registered it owns the address, so a provider account is not linked to it by email alone (that would hand the provider's owner an account someone else may control, or the other way round). Sign in with the password, then link the provider from `/v1/users/me/identities`.",
  },
} as const satisfies Record<string, ErrorSpec>;
