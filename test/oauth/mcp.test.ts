/**
 * End to end with the official MCP TypeScript SDK: a small MCP server protected by Gatehouse
 * (it asks `/v1/auth/check?resource=` and passes Gatehouse's 401 on), and the SDK's client,
 * which discovers the resource metadata from the 401, finds Gatehouse, registers itself
 * (RFC 7591), is sent through the sign-in and consent pages, and calls a tool.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { z } from 'zod';
import { type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { authorizeInBrowser } from './browser.ts';
import { createResource, freePort, type ListeningApp, listeningApp } from './support.ts';

const CALLBACK = 'http://127.0.0.1:33418/callback';

/** The MCP server: every request is checked by Gatehouse for this resource; a 401 is passed on as is. */
async function mcpServer(gatehouse: string, port: number): Promise<Server> {
  const resource = `http://127.0.0.1:${port}/mcp`;
  const server = createServer(async (req: IncomingMessage, res) => {
    const check = await fetch(`${gatehouse}/v1/auth/check?resource=${encodeURIComponent(resource)}`, {
      method: 'POST',
      headers: { ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), 'content-type': 'application/json' },
      body: JSON.stringify({ required_scopes: ['tools:execute'] }),
    });
    if (check.status !== 200) {
      res.writeHead(check.status, {
        'www-authenticate': check.headers.get('www-authenticate') ?? 'Bearer',
        'content-type': 'application/json',
      });
      res.end(await check.text());
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    const mcp = new McpServer({ name: 'notes', version: '1.0.0' });
    mcp.registerTool('echo', { description: 'Echo a message', inputSchema: { message: z.string() } }, async ({ message }) => ({
      content: [{ type: 'text', text: `echo: ${message}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** The SDK's OAuth client provider, in memory; `redirectToAuthorization` only records the URL. */
class MemoryProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  get redirectUrl(): string {
    return CALLBACK;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP test client',
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    registerSecret(tokens.access_token);
    if (tokens.refresh_token) registerSecret(tokens.refresh_token);
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

for (const backend of BACKENDS) {
  describe(`MCP client → MCP server protected by Gatehouse (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let server: Server;
    let mcpUrl: URL;

    before(async () => {
      t = await listeningApp(backend, { oauthAnonymousRegistration: true });
      owner = await registerOrg(t);
      const port = await freePort();
      mcpUrl = new URL(`http://127.0.0.1:${port}/mcp`);
      await createResource(t, owner, mcpUrl.href, ['tools:execute']);
      server = await mcpServer(t.base, port);
    });
    after(async () => {
      server.close();
      await t.close();
    });

    test('without a token: 401 whose challenge points at the resource metadata', async () => {
      const res = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 401);
      const challenge = res.headers.get('www-authenticate') ?? '';
      const metadata = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
      assert.ok(metadata, challenge);
      const doc = (await (await fetch(metadata)).json()) as { resource: string; authorization_servers: string[] };
      assert.equal(doc.resource, mcpUrl.href);
      assert.deepEqual(doc.authorization_servers, [t.base]);
    });

    test('discovery, registration, consent pages, then a tool call', async () => {
      const provider = new MemoryProvider();
      const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
      const client = new Client({ name: 'test-client', version: '1.0.0' });
      await assert.rejects(client.connect(first), UnauthorizedError);
      assert.ok(provider.info?.client_id.startsWith('cli_'), 'registered dynamically');
      const url = provider.authorizationUrl;
      assert.ok(url);
      assert.equal(url.searchParams.get('resource'), mcpUrl.href);
      const callback = await authorizeInBrowser(t.base, url, { identifier: owner.email, password: owner.password });
      const code = callback.searchParams.get('code');
      assert.ok(code, callback.href);
      await first.finishAuth(code);
      const connected = new Client({ name: 'test-client', version: '1.0.0' });
      await connected.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
      const result = await connected.callTool({ name: 'echo', arguments: { message: 'hello' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'echo: hello' }]);
      await connected.close();
    });
  });
}
