import { PASSWORD_MAX, PASSWORD_MIN } from '../../../credentials/passwords.ts';
import { EMAIL_PATTERN, SLUG_PATTERN, SPACE_NAME_PATTERN, USERNAME_PATTERN } from '../../../identity/normalize.ts';

export const email = { type: 'string', maxLength: 320, pattern: EMAIL_PATTERN } as const;
/** Length is checked in characters by the handler; this cap only keeps huge bodies cheap. */
export const password = { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX } as const;
export const username = { type: 'string', pattern: USERNAME_PATTERN } as const;
export const slug = { type: 'string', pattern: SLUG_PATTERN } as const;
/** The memory-space naming rule (`x-space-name` keyword: refused as `invalid_memory_space_name`). */
export const spaceName = { type: 'string', 'x-space-name': true, description: `Matches \`${SPACE_NAME_PATTERN}\`` } as const;
/** Names people read (organizations, users): not blank, nothing that disguises text (src/identity/normalize.ts). */
export const displayName = { type: 'string', minLength: 1, maxLength: 200, 'x-human-name': true } as const;
export const role = { type: 'string', enum: ['owner', 'admin', 'member', 'readonly'] } as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    username: { type: ['string', 'null'] },
    name: { type: 'string' },
    disabled: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const organizationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    slug: { type: 'string' },
    api_key_max_lifetime_days: {
      type: ['integer', 'null'],
      description: "Longest API-key lifetime this organization allows, in days (null: the server's `apiKeyMaxLifetimeDays` alone)",
    },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const tokenSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer' },
    expires_at: { type: 'string', format: 'date-time' },
    refresh_token: { type: 'string' },
    scope: { type: 'string' },
  },
} as const;

export const memorySpaceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    organization_id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const orgParams = {
  type: 'object',
  required: ['org'],
  properties: { org: { type: 'string', minLength: 1, maxLength: 100, description: 'Organization id (`org_…`) or slug' } },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, cursor: { type: 'string', maxLength: 100 } },
} as const;

export const iso = (ms: number) => new Date(ms).toISOString();

export const invitationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    organization_id: { type: 'string' },
    email: { type: 'string' },
    role,
    state: { type: 'string', enum: ['pending', 'accepted', 'revoked', 'expired'] },
    invited_by: { type: ['string', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { type: 'string', format: 'date-time' },
    accepted_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/** A new invitation, with its one-time token (shown once). */
export const createdInvitationSchema = {
  type: 'object',
  properties: {
    ...invitationSchema.properties,
    token: { type: 'string', description: 'One-time token (shown once), for `POST /v1/invitations/accept`' },
  },
} as const;
