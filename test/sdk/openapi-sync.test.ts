/**
 * The SDK and the OpenAPI document stay in sync: every SDK call is an operation of the document,
 * and every operation of the document has an SDK call (or is listed below as deliberately not wrapped).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GatehouseClient } from 'gatehouse/sdk';
import { createTestApp, type TestApp } from '../support/app.ts';

/** Operations the SDK leaves to `client.request()`: infrastructure and the same operation under another name. */
const NOT_WRAPPED = new Set(['GET /metrics', 'POST /v1/api-keys/{id}/revoke']);
/**
 * Spoken by proxies (forward-auth) and by OAuth client libraries (form-encoded protocol endpoints,
 * discovery), or compatibility aliases (`/api/v1/…`) of operations the SDK calls by their own path.
 */
const isProtocol = (op: string) =>
  op.includes('/v1/forward-auth') ||
  op.includes(' /api/v1/') ||
  / \/oauth\//.test(op) ||
  op.includes('/.well-known/oauth-') ||
  op.includes('/.well-known/openid-configuration');

let t: TestApp;
before(async () => {
  t = await createTestApp('sqlite');
});
after(() => t.close());

/** The method and path template of every call the SDK makes (the path's sample values mapped back to parameters). */
async function sdkOperations(): Promise<Set<string>> {
  const seen = new Set<string>();
  const fake: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname
      .replace(/\/organizations\/ORG/, '/organizations/{org}')
      .replace(/\/memory-spaces\/SPACE/, '/memory-spaces/{space}')
      .replace(/\/members\/USER/, '/members/{user_id}')
      .replace(/\/identities\/PROVIDER/, '/identities/{provider}')
      .replace(/\/(invitations|api-keys|clients|resources|consents|identities)\/ID/, '/$1/{id}');
    seen.add(`${init?.method ?? 'GET'} ${path}`);
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const gh = new GatehouseClient({ baseUrl: 'http://sdk.test', credentials: { apiKey: 'k' }, organization: 'ORG', fetch: fake });
  const calls: (() => Promise<unknown>)[] = [
    gh.health,
    gh.ready,
    gh.jwks,
    () => gh.auth.register({ email: 'e', password: 'p' }),
    () => gh.auth.login({ email: 'e', password: 'p' }),
    () => gh.auth.refresh('r'),
    () => gh.auth.logout(),
    gh.auth.me,
    () => gh.identities.list(),
    () => gh.identities.link('PROVIDER'),
    () => gh.identities.unlink('ID'),
    () => gh.auth.changePassword({ current_password: 'a', new_password: 'b' }),
    () =>
      gh.organizations.register({ organization_name: 'n', organization_slug: 's', admin_email: 'e', admin_name: 'n', admin_password: 'p' }),
    gh.organizations.list,
    () => gh.organizations.get(),
    () => gh.organizations.update({ name: 'x' }),
    () => gh.organizations.delete(),
    () => gh.members.list(),
    () => gh.members.add({ email: 'e', role: 'member' }),
    () => gh.members.setRole('USER', 'admin'),
    () => gh.members.remove('USER'),
    () => gh.memorySpaces.list(),
    () => gh.memorySpaces.create({ name: 'n' }),
    () => gh.memorySpaces.get('SPACE'),
    () => gh.memorySpaces.update('SPACE', { description: 'd' }),
    () => gh.memorySpaces.delete('SPACE'),
    () => gh.invitations.create({ email: 'e', role: 'member' }),
    () => gh.invitations.list(),
    () => gh.invitations.revoke('ID'),
    () => gh.invitations.accept({ token: 't', password: 'p' }),
    () => gh.apiKeys.create({ name: 'n' }),
    () => gh.apiKeys.list(),
    () => gh.apiKeys.get('ID'),
    () => gh.apiKeys.update('ID', { name: 'n' }),
    () => gh.apiKeys.revoke('ID'),
    () => gh.apiKeys.rotate('ID'),
    () => gh.apiKeys.verify({ key: 'k' }),
    gh.signingKeys.list,
    gh.signingKeys.rotate,
    () => gh.oauth.clients.list(),
    () => gh.oauth.clients.create({ client_name: 'x' }),
    () => gh.oauth.clients.get('ID'),
    () => gh.oauth.clients.update('ID', { client_name: 'y' }),
    () => gh.oauth.clients.delete('ID'),
    () => gh.oauth.clients.rotateSecret('ID'),
    () => gh.oauth.resources.list(),
    () => gh.oauth.resources.create({ identifier: 'https://api.example' }),
    () => gh.oauth.resources.get('ID'),
    () => gh.oauth.resources.update('ID', { name: 'n' }),
    () => gh.oauth.resources.delete('ID'),
    () => gh.oauth.consents.list(),
    () => gh.oauth.consents.revoke('ID'),
    () => gh.audit.list(),
    () => gh.check(),
    () => gh.validate(),
  ];
  for (const c of calls) await c();
  return seen;
}

test('every SDK call is an operation of /openapi.json, and every operation has an SDK call', async () => {
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const documented = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths))
    for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
  const sdk = await sdkOperations();
  for (const op of sdk) assert.ok(documented.has(op), `the SDK calls ${op}, which the server does not document`);
  const missing = [...documented].filter((op) => !sdk.has(op) && !NOT_WRAPPED.has(op) && !isProtocol(op));
  assert.deepEqual(missing, [], 'operations without an SDK call (add one, or list them in NOT_WRAPPED)');
});
