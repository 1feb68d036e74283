import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { createClient, createResource, type ListeningApp, listeningApp } from './support.ts';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const MCP = 'https://mcp.example.com/mcp';
const OTHER = 'https://billing.example.com/api';
const insecure = { execute: [client.allowInsecureRequests] };

for (const backend of BACKENDS) {
  describe(`RFC 8693 token exchange with openid-client (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let agent: client.Configuration;
    let agentId: string;

    async function configFor(created: { client_id: string; client_secret?: string }) {
      return client.discovery(
        new URL(t.base),
        created.client_id,
        undefined,
        client.ClientSecretBasic(String(created.client_secret)),
        insecure,
      );
    }
    async function login(who: Registered): Promise<string> {
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: who.email, password: who.password } });
      assert.equal(res.statusCode, 200, res.body);
      const token = (res.json() as { access_token: string }).access_token;
      registerSecret(token);
      return token;
    }
    /** The exchange as the agent sends it; answers the token response or the RFC 6749 error word. */
    async function exchange(cfg: client.Configuration, params: Record<string, string>): Promise<client.TokenEndpointResponse | string> {
      try {
        const res = await client.genericGrantRequest(cfg, EXCHANGE, { subject_token_type: ACCESS, ...params });
        registerSecret(res.access_token);
        return res;
      } catch (err) {
        if (err instanceof client.ResponseBodyError) return err.error;
        if (err instanceof client.WWWAuthenticateChallengeError) return ((await err.response.json()) as { error: string }).error;
        throw err;
      }
    }
    const check = (token: string, resource = MCP) =>
      t.app.inject({ method: 'POST', url: `/v1/auth/check?resource=${encodeURIComponent(resource)}`, headers: bearer(token), payload: {} });

    before(async () => {
      t = await listeningApp(backend);
      owner = await registerOrg(t);
      await createResource(t, owner, MCP, ['reports:read', 'reports:write']);
      await createResource(t, owner, OTHER, ['reports:read']);
      const created = await createClient(t, owner, {
        client_name: 'Research agent',
        grant_types: [EXCHANGE],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'reports:read',
        token_exchange_resources: [MCP],
      });
      agentId = created.client_id;
      agent = await configFor(created);
    });
    after(() => t.close());

    test('discovery lists the grant; the client shows its exchange resources', async () => {
      assert.ok(agent.serverMetadata().grant_types_supported?.includes(EXCHANGE));
      const res = await t.app.inject({ method: 'GET', url: `/v1/oauth/clients/${agentId}`, headers: bearer(owner.access) });
      assert.deepEqual(res.json().token_exchange_resources, [MCP]);
    });

    test('sub is the user, act the agent, aud the resource, scopes narrowed; decisions, validate and audit show both', async () => {
      const subject = await login(owner);
      const res = await exchange(agent, { subject_token: subject, resource: MCP });
      assert.ok(typeof res !== 'string', String(res));
      assert.equal(res.issued_token_type, ACCESS);
      assert.equal(res.token_type, 'bearer');
      assert.equal(res.refresh_token, undefined);
      assert.equal(res.scope, 'reports:read');
      const claims = decodeJwt(res.access_token);
      const original = decodeJwt(subject);
      assert.equal(claims.sub, owner.userId);
      assert.deepEqual(claims.act, { sub: agentId });
      assert.deepEqual(claims.aud, [MCP]);
      assert.equal(claims.client_id, agentId);
      assert.equal(claims.org_id, owner.orgId);
      assert.ok(Number(claims.exp) <= Number(original.exp));
      const decision = await check(res.access_token);
      assert.equal(decision.statusCode, 200, decision.body);
      assert.equal(decision.json().principal.user_id, owner.userId);
      assert.deepEqual(decision.json().principal.act, { sub: agentId });
      assert.deepEqual(decision.json().principal.scopes, ['reports:read']);
      assert.equal(decision.headers['x-gatehouse-actor'], agentId);
      assert.equal((await check(res.access_token, OTHER)).statusCode, 401, 'a token for one resource is refused at another');
      const validate = await t.app.inject({
        method: 'POST',
        url: `/v1/auth/validate?resource=${encodeURIComponent(MCP)}`,
        headers: bearer(res.access_token),
      });
      assert.deepEqual(validate.json().claims.act, { sub: agentId });
      await t.services.audit.flush();
      const audit = await t.app.inject({
        method: 'GET',
        url: '/v1/audit-events?action=oauth.token.exchanged',
        headers: bearer(owner.access),
      });
      const event = (audit.json() as { data: { actor: { id: string }; target: { id: string }; details: Record<string, unknown> }[] })
        .data[0];
      assert.equal(event?.actor.id, agentId);
      assert.equal(event?.target.id, owner.userId);
      assert.equal(event?.details.on_behalf_of, owner.userId);
      assert.doesNotMatch(audit.body, new RegExp(subject.slice(-20)));
    });

    test('a chain nests act: a second agent exchanging the first one’s token', async () => {
      const second = await createClient(t, owner, {
        client_name: 'Sub-agent',
        grant_types: [EXCHANGE],
        token_endpoint_auth_method: 'client_secret_basic',
        token_exchange_resources: [MCP],
      });
      const first = await exchange(agent, { subject_token: await login(owner), resource: MCP });
      assert.ok(typeof first !== 'string');
      const res = await exchange(await configFor(second), { subject_token: first.access_token, audience: MCP });
      assert.ok(typeof res !== 'string', String(res));
      assert.deepEqual(decodeJwt(res.access_token).act, { sub: second.client_id, act: { sub: agentId } });
      assert.equal(res.scope, 'reports:read', 'never more than the token it came from');
      const decision = await check(res.access_token);
      assert.deepEqual(decision.json().principal.act, { sub: second.client_id, act: { sub: agentId } });
    });

    test('an actor token must be the agent’s own', async () => {
      const worker = await createClient(t, owner, {
        client_name: 'Worker',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const workerToken = await client.clientCredentialsGrant(await configFor(worker), {}).then((r) => r.access_token);
      registerSecret(workerToken);
      const subject = await login(owner);
      assert.equal(
        await exchange(agent, { subject_token: subject, resource: MCP, actor_token: workerToken, actor_token_type: ACCESS }),
        'invalid_request',
      );
      assert.equal(await exchange(agent, { subject_token: workerToken, resource: MCP }), 'invalid_request', 'a client token is no user');
    });

    test('refusals: scope escalation, resource not allowed or missing, exchange not enabled, wrong secret, another tenant', async () => {
      const subject = await login(owner);
      assert.equal(await exchange(agent, { subject_token: subject, resource: MCP, scope: 'reports:write' }), 'invalid_scope');
      assert.equal(await exchange(agent, { subject_token: subject, resource: OTHER }), 'invalid_target');
      assert.equal(await exchange(agent, { subject_token: subject }), 'invalid_target');
      assert.equal(await exchange(agent, { subject_token: 'not-a-token', resource: MCP }), 'invalid_request');
      const plain = await createClient(t, owner, {
        client_name: 'Plain',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      assert.equal(await exchange(await configFor(plain), { subject_token: subject, resource: MCP }), 'unauthorized_client');
      const wrong = await client.discovery(new URL(t.base), agentId, undefined, client.ClientSecretBasic('ghcs_wrong'), insecure);
      assert.equal(await exchange(wrong, { subject_token: subject, resource: MCP }), 'invalid_client');
      const stranger = await registerOrg(t);
      assert.equal(await exchange(agent, { subject_token: await login(stranger), resource: MCP }), 'invalid_request');
      // The same agent, registered in the stranger's organization, cannot reach into the owner's either.
      const theirs = await createClient(t, stranger, {
        client_name: 'Their agent',
        grant_types: [EXCHANGE],
        token_endpoint_auth_method: 'client_secret_basic',
        token_exchange_resources: [MCP],
      });
      assert.equal(await exchange(await configFor(theirs), { subject_token: subject, resource: MCP }), 'invalid_request');
    });

    test('a revoked subject token is refused, and ending the session stops the exchanged token too', async () => {
      const subject = await login(owner);
      const res = await exchange(agent, { subject_token: subject, resource: MCP });
      assert.ok(typeof res !== 'string');
      assert.equal((await check(res.access_token)).statusCode, 200);
      const out = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(subject), payload: {} });
      assert.equal(out.statusCode, 204, out.body);
      assert.equal(await exchange(agent, { subject_token: subject, resource: MCP }), 'invalid_request');
      assert.equal((await check(res.access_token)).statusCode, 401);
    });

    test('the agent may introspect its exchanged token (act shown); revoking it refuses that token and never ends the user’s session', async () => {
      const subject = await login(owner);
      const res = await exchange(agent, { subject_token: subject, resource: MCP });
      assert.ok(typeof res !== 'string');
      const info = await client.tokenIntrospection(agent, res.access_token);
      assert.equal(info.active, true);
      assert.deepEqual(info.act, { sub: agentId });
      assert.equal((await check(res.access_token)).statusCode, 200);
      await client.tokenRevocation(agent, res.access_token);
      assert.equal((await check(res.access_token)).statusCode, 401, 'the revoked exchanged token is refused');
      const me = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(subject), payload: {} });
      assert.equal(me.statusCode, 200, 'the user stays signed in');
    });

    test('a sender-constrained subject token is never exchanged (its key cannot be proven here)', async () => {
      const session = await login(owner);
      const bound = (
        await t.services.tokens.issueAccessToken({
          subject: owner.userId,
          organizationId: owner.orgId,
          role: 'owner',
          scopes: ['reports:read'],
          sessionId: String(decodeJwt(session).sid),
          confirmation: { jkt: 'dpop-key-thumbprint-of-someone-else' },
        })
      ).token;
      registerSecret(bound);
      assert.equal(await exchange(agent, { subject_token: bound, resource: MCP }), 'invalid_request');
    });

    test('the management API sets which clients may exchange and for which resources', async () => {
      const created = await createClient(t, owner, {
        client_name: 'Later agent',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const noResources = await t.app.inject({
        method: 'PATCH',
        url: `/v1/oauth/clients/${created.client_id}`,
        headers: bearer(owner.access),
        payload: { grant_types: ['client_credentials', EXCHANGE] },
      });
      assert.equal(noResources.statusCode, 400, noResources.body);
      const enabled = await t.app.inject({
        method: 'PATCH',
        url: `/v1/oauth/clients/${created.client_id}`,
        headers: bearer(owner.access),
        payload: { grant_types: ['client_credentials', EXCHANGE], token_exchange_resources: [OTHER] },
      });
      assert.equal(enabled.statusCode, 200, enabled.body);
      const res = await exchange(await configFor(created), { subject_token: await login(owner), resource: OTHER });
      assert.ok(typeof res !== 'string', String(res));
      const publicAgent = await t.app.inject({
        method: 'POST',
        url: '/v1/oauth/clients',
        headers: bearer(owner.access),
        payload: { grant_types: [EXCHANGE], token_endpoint_auth_method: 'none', token_exchange_resources: [MCP] },
      });
      assert.equal(publicAgent.statusCode, 400, 'a public client never exchanges');
    });

    test('the lifetime never outlasts the subject token; an expired subject token is refused', async () => {
      const subject = await login(owner);
      const exp = Number(decodeJwt(subject).exp) * 1000;
      t.clock.set(exp - 100_000);
      const res = await exchange(agent, { subject_token: subject, resource: MCP });
      assert.ok(typeof res !== 'string', String(res));
      assert.ok(Number(res.expires_in) <= 100, `expires_in ${res.expires_in}`);
      assert.ok(Number(decodeJwt(res.access_token).exp) * 1000 <= exp);
      t.clock.set(exp + 120_000);
      assert.equal(await exchange(agent, { subject_token: subject, resource: MCP }), 'invalid_request');
    });
  });
}
