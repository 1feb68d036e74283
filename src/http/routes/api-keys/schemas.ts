export const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    organization_id: { type: 'string' },
    created_by: { type: ['string', 'null'] },
    environment: { type: 'string', enum: ['live', 'test'] },
    prefix: { type: 'string' },
    masked_key: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    memory_spaces: {
      oneOf: [
        { type: 'array', items: { type: 'string' } },
        { type: 'string', enum: ['*'] },
      ],
    },
    allowed_cidrs: { type: ['array', 'null'], items: { type: 'string' } },
    certificate_thumbprint: { type: ['string', 'null'], description: 'x5t#S256 of the client certificate the key is bound to' },
    rate_limit: { type: ['string', 'null'] },
    metadata: { type: 'object', additionalProperties: true },
    state: { type: 'string', enum: ['active', 'rotating', 'revoked', 'expired'] },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: ['string', 'null'], format: 'date-time' },
    usage_count: { type: 'integer' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
    rotated_from: { type: ['string', 'null'] },
    rotated_to: { type: ['string', 'null'] },
  },
} as const;

/** The create/rotate answer: the key itself, shown this once. */
export const createdKeySchema = {
  type: 'object',
  properties: { ...keySchema.properties, key: { type: 'string', description: 'The API key. Shown once; store it now.' } },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^key_[0-9a-z]{26}$' } },
} as const;

export const scopesSchema = { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } } as const;
export const spacesSchema = {
  oneOf: [
    { type: 'array', maxItems: 100, items: { type: 'string', 'x-space-name': true } },
    { type: 'string', enum: ['*'] },
  ],
} as const;

/** A key's name: one line, not blank, nothing that disguises text (src/identity/normalize.ts). */
export const nameSchema = { type: 'string', minLength: 1, maxLength: 200, 'x-human-name': true } as const;
/** Free-form key metadata: an object of at most 64 members nested at most 5 levels (4 KiB is checked in checks.ts). */
export const metadataSchema = { type: 'object', additionalProperties: true, maxProperties: 64, 'x-max-depth': 5 } as const;
/** Free text: tabs and line breaks allowed, other control characters not. */
export const descriptionSchema = {
  type: 'string',
  maxLength: 1000,
  pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$',
} as const;
