import { createLocalJWKSet, jwtVerify } from 'jose';
import { GatehouseError } from '../errors/index.ts';
import type { Client } from './clients/client.ts';
import type { OAuthContext, OAuthParams } from './context.ts';
import { OAuthError } from './errors.ts';
import { matchesRegisteredCertificate, matchesRegistration, type PresentedCertificate } from './sender/certificate.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const denied = (why = 'Client authentication failed') => new OAuthError('invalid_client', why);

function decodeBasic(header: string): { id: string; secret: string } {
  const m = /^basic +([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!m?.[1]) throw new OAuthError('invalid_request', 'Malformed Basic authorization header');
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new OAuthError('invalid_request', 'Malformed Basic authorization header');
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: dec(text.slice(0, colon)), secret: dec(text.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_request', 'Malformed Basic authorization header');
  }
}

async function verifyAssertion(ctx: OAuthContext, client: Client, assertion: string, endpoint: string): Promise<void> {
  if (client.jwks === null) throw denied();
  const now = ctx.clock.now();
  try {
    const { payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: [...client.jwks.keys] as never }), {
      issuer: client.id,
      subject: client.id,
      audience: [endpoint, ctx.config.issuer],
      currentDate: new Date(now),
      clockTolerance: ctx.config.clockSkew,
      maxTokenAge: '10m',
      requiredClaims: ['exp', 'jti'],
    });
    // Used once, on every node: the replay cache is shared through Redis when one is configured.
    const first = await ctx.sender.replay.firstUse(
      'client_assertion',
      `${client.id} ${String(payload.jti)}`,
      Number(payload.exp) * 1000 + ctx.config.clockSkew * 1000,
    );
    if (!first) throw denied('Client assertion already used');
  } catch (err) {
    if (err instanceof OAuthError || err instanceof GatehouseError) throw err;
    throw denied('Client assertion is invalid');
  }
}

/**
 * Authenticates the client of a token, introspection or revocation request by exactly one
 * method, the one it registered: client_secret_basic, client_secret_post, private_key_jwt,
 * tls_client_auth / self_signed_tls_client_auth (RFC 8705: the TLS client certificate), or none
 * (a public client names itself). Every failure is `invalid_client` (401).
 */
export async function authenticateClient(
  ctx: OAuthContext,
  authorization: string | undefined,
  params: OAuthParams,
  endpoint: string,
  certificate?: PresentedCertificate,
): Promise<Client> {
  const bodySecret = params.one('client_secret');
  const assertionType = params.one('client_assertion_type');
  const assertion = params.one('client_assertion');
  const basic = authorization !== undefined ? decodeBasic(authorization) : undefined;
  const used = [basic, bodySecret, assertion].filter((v) => v !== undefined).length;
  if (used > 1) throw new OAuthError('invalid_request', 'Use exactly one client authentication method');
  let clientId = basic?.id ?? params.one('client_id');
  if (assertion !== undefined) {
    if (assertionType !== JWT_BEARER) throw new OAuthError('invalid_request', 'Unsupported client_assertion_type');
    try {
      const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
      if (typeof payload.iss === 'string' && (clientId === undefined || clientId === payload.iss)) clientId = payload.iss;
      else throw new Error('iss');
    } catch {
      throw denied('Client assertion is invalid');
    }
  }
  if (clientId === undefined || clientId === '') throw denied('Client authentication is required');
  if (basic !== undefined && params.one('client_id') !== undefined && params.one('client_id') !== basic.id) {
    throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');
  }
  let client: Client;
  try {
    client = await ctx.resolveClient(clientId);
  } catch (err) {
    if (err instanceof OAuthError && err.error === 'invalid_client')
      throw denied(err.description === 'Unknown client' ? undefined : err.description);
    throw err;
  }
  switch (client.authMethod) {
    case 'client_secret_basic':
      if (basic === undefined || !client.row || !ctx.clients.secretMatches(client.row, basic.secret)) throw denied();
      break;
    case 'client_secret_post':
      if (bodySecret === undefined || !client.row || !ctx.clients.secretMatches(client.row, bodySecret)) throw denied();
      break;
    case 'private_key_jwt':
      if (assertion === undefined) throw denied();
      await verifyAssertion(ctx, client, assertion, endpoint);
      break;
    case 'tls_client_auth':
      // RFC 8705 §2.1: a certificate issued by a trusted CA (tlsClientCa) with the registered subject or SAN.
      if (used > 0 || certificate === undefined || !certificate.trusted || client.tlsClientAuth === null) throw denied();
      if (!matchesRegistration(certificate.x509, client.tlsClientAuth)) throw denied();
      break;
    case 'self_signed_tls_client_auth':
      // RFC 8705 §2.2: the very certificate registered in the client's JWKS (x5c), no CA involved.
      if (used > 0 || certificate === undefined || !matchesRegisteredCertificate(certificate.x509, client.jwks)) throw denied();
      break;
    case 'none':
      if (used > 0) throw denied('This public client has no credentials');
      break;
    default:
      throw denied();
  }
  return client;
}
