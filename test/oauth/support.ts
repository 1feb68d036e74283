import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { ConfigKey } from '../../src/config/index.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { bearer, type Registered } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import type { BackendName } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

export interface ListeningApp extends TestApp {
  /** `http://127.0.0.1:PORT`, also the configured publicUrl (the issuer). */
  readonly base: string;
}

/** A test app listening on loopback, its publicUrl that address: the real OAuth clients talk to it over HTTP. */
export async function listeningApp(backend: BackendName, overrides: Partial<Record<ConfigKey, unknown>> = {}): Promise<ListeningApp> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Frozen at the real time: the OAuth libraries check iat/exp against their own clock.
  const t = await createTestApp(backend, { publicUrl: base, ...overrides }, new ManualClock(Math.floor(Date.now() / 1000) * 1000));
  await t.app.listen({ port, host: '127.0.0.1' });
  return { ...t, base };
}

/** oauth4webapi options for plain-http loopback tests. */
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Discovery through oauth4webapi (it checks that `issuer` matches exactly). */
export async function discover(base: string): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(base);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
}

/** Creates a client through the management API; its secret is registered as a test secret. */
export async function createClient(
  t: TestApp,
  owner: Registered,
  metadata: Record<string, unknown>,
): Promise<{ client_id: string; client_secret?: string } & Record<string, unknown>> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/oauth/clients', headers: bearer(owner.access), payload: metadata });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json() as { client_id: string; client_secret?: string };
  if (body.client_secret) registerSecret(body.client_secret);
  return body;
}

/** Registers a resource of the owner's organization. */
export async function createResource(t: TestApp, owner: Registered, identifier: string, scopes: string[]): Promise<{ id: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/oauth/resources',
    headers: bearer(owner.access),
    payload: { identifier, scopes, name: 'API' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string };
}

/** The `error` member of an OAuth error response. */
export async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}
