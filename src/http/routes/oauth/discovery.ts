import type { FastifyInstance } from 'fastify';
import type { Config } from '../../../config/index.ts';
import { AUTH_METHODS, GRANT_TYPES } from '../../../oauth/clients/metadata.ts';

/** RFC 8414 / OpenID Connect Discovery metadata: every endpoint and capability this server has. */
export function authorizationServerMetadata(config: Config): Record<string, unknown> {
  const base = config.publicUrl;
  const signing = ['RS256', 'ES256', 'EdDSA'];
  return {
    issuer: config.issuer,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    registration_endpoint: `${base}/oauth/register`,
    introspection_endpoint: `${base}/oauth/introspect`,
    revocation_endpoint: `${base}/oauth/revoke`,
    userinfo_endpoint: `${base}/oauth/userinfo`,
    device_authorization_endpoint: `${base}/oauth/device_authorization`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANT_TYPES],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: signing,
    introspection_endpoint_auth_methods_supported: AUTH_METHODS.filter((m) => m !== 'none'),
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [config.signingAlgorithm],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'at_hash',
      'azp',
      'sid',
      'email',
      'name',
      'preferred_username',
    ],
    prompt_values_supported: ['none', 'login', 'consent'],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: config.oauthClientMetadataDocuments,
    resource_indicators_supported: true,
    // RFC 9449 §5.1 and RFC 8705 §3.3: sender-constrained tokens.
    dpop_signing_alg_values_supported: [...config.dpopSigningAlgs],
    tls_client_certificate_bound_access_tokens: true,
  };
}

/** `GET /.well-known/oauth-authorization-server` (RFC 8414) and `/.well-known/openid-configuration`. */
export default async function discoveryRoutes(app: FastifyInstance): Promise<void> {
  const metadata = authorizationServerMetadata(app.services.config);
  for (const url of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    app.get(
      url,
      {
        config: { protected: false, rateLimit: false },
        schema: {
          tags: ['oauth'],
          summary: 'Authorization server metadata',
          response: { 200: { type: 'object', additionalProperties: true } },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return metadata;
      },
    );
  }
}
