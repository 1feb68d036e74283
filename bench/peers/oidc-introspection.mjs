/**
 * Peer 6: oidc-provider's token introspection endpoint (RFC 7662) for opaque access tokens, the
 * call a resource server makes per request. One confidential client (client_secret_basic), a
 * client-credentials access token obtained at start-up, the provider's default in-memory adapter.
 * Also announces its token request (`tokenPath`, `tokenBody`): client-credentials grants per second.
 */
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { announce, port } from './ready.mjs';

let handler = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = createServer((req, res) => handler(req, res));
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const address = server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const client = { client_id: 'bench-service', client_secret: 'bench-secret-bench-secret-bench-secret' };
const provider = new Provider(base, {
  clients: [
    {
      ...client,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
  scopes: ['api:read'],
  ttl: { ClientCredentials: 3600 },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider: ${err.message}\n`));
handler = provider.callback();

const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
const res = await fetch(`${base}/token`, {
  method: 'POST',
  headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&scope=api%3Aread',
});
const { access_token: token } = await res.json();
if (!token) throw new Error(`no access token (${res.status})`);
announce(server, {
  path: '/token/introspection',
  headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
  body: `token=${token}`,
  invalidBody: `token=${token.slice(0, -4)}AAAA`,
  // The client-credentials grant itself, for npm run bench:oauth.
  tokenPath: '/token',
  tokenBody: 'grant_type=client_credentials&scope=api%3Aread',
});
