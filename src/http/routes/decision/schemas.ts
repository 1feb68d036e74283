/** The Principal as the decision API renders it (no secrets). */
export const principalSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['user', 'api_key', 'oauth_client', 'external', 'development'] },
    subject: { type: 'string' },
    organization_id: { type: 'string' },
    role: { type: ['string', 'null'] },
    scopes: { type: 'array', items: { type: 'string' } },
    memory_spaces: {
      oneOf: [
        { type: 'array', items: { type: 'string' } },
        { type: 'string', enum: ['*'] },
      ],
    },
    credential_id: { type: 'string' },
    session_id: { type: 'string' },
    user_id: { type: 'string' },
    act: {
      type: 'object',
      description: 'RFC 8693: the agent acting for the user (`sub`), nested `act` for earlier agents in a chain',
      additionalProperties: true,
      properties: { sub: { type: 'string' } },
    },
    issuer: { type: 'string' },
    rate_limit_policy: { type: 'string' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;
