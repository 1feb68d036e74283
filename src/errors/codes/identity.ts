import type { ErrorSpec } from '../spec.ts';

/** Organizations, users, memberships, memory spaces, invitations (ERR-2xxx). */
export const identityErrors = {
  email_taken: {
    code: 'ERR-2001',
    status: 409,
    title: 'Email already registered',
    description: 'A user with this email (after normalisation) exists. Log in instead.',
  },
  username_taken: {
    code: 'ERR-2002',
    status: 409,
    title: 'Username already taken',
    description: 'Pick another username.',
  },
  slug_taken: {
    code: 'ERR-2003',
    status: 409,
    title: 'Organization slug already taken',
    description: 'Organization slugs are unique across the server. Pick another.',
  },
  memory_space_exists: {
    code: 'ERR-2004',
    status: 409,
    title: 'Memory space already exists',
    description: 'The organization already has a memory space with this name.',
  },
  last_owner: {
    code: 'ERR-2005',
    status: 409,
    title: 'Cannot remove the last owner',
    description: 'An organization keeps at least one owner. Promote another member first.',
  },
  already_member: {
    code: 'ERR-2006',
    status: 409,
    title: 'Already a member',
    description: 'The user already belongs to this organization.',
  },
  invalid_password: {
    code: 'ERR-2007',
    status: 400,
    title: 'Password does not meet requirements',
    description: 'Passwords are 8 to 256 characters long.',
    oauth: 'invalid_request',
  },
  already_initialized: {
    code: 'ERR-2008',
    status: 409,
    title: 'Already initialized',
    description: '`gatehouse init` runs once, on an empty database.',
  },
  memory_space_in_use: {
    code: 'ERR-2010',
    status: 409,
    title: 'Memory space in use',
    description:
      'API keys are bound to this memory space by name; renaming or deleting it would silently change what they reach. Revoke those keys first.',
  },
  invitation_invalid: {
    code: 'ERR-2009',
    status: 400,
    title: 'Invitation is invalid',
    description: 'The invitation token is unknown, already used, revoked or expired.',
    oauth: 'invalid_request',
  },
  weak_password: {
    code: 'ERR-2050',
    status: 400,
    title: 'Password is too easy to guess',
    description:
      "The password is on the list of common and breached passwords (or a close variant of one), or is made mostly from the account's own email, username, name or organization. Choose a longer passphrase of unrelated words.",
    oauth: 'invalid_request',
  },
} as const satisfies Record<string, ErrorSpec>;
