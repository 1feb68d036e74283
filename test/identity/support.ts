import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

export interface Registered {
  orgId: string;
  slug: string;
  userId: string;
  access: string;
  refresh: string;
  email: string;
  password: string;
}

let n = 0;

/** Registers a fresh organization with its owner through the HTTP API. */
export async function registerOrg(t: TestApp, slug = `org-${++n}-${Math.random().toString(36).slice(2, 8)}`): Promise<Registered> {
  const email = `owner-${slug}@example.com`;
  const password = `pw-${slug}-correct-horse`;
  registerSecret(password);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/organizations/register',
    payload: {
      organization_name: `Org ${slug}`,
      organization_slug: slug,
      admin_email: email,
      admin_name: 'Owner',
      admin_password: password,
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json();
  registerSecret(body.tokens.access_token);
  registerSecret(body.tokens.refresh_token);
  return {
    orgId: body.organization.id,
    slug,
    userId: body.user.id,
    access: body.tokens.access_token,
    refresh: body.tokens.refresh_token,
    email,
    password,
  };
}

/** Logs in and answers the token response. */
export async function login(t: TestApp, email: string, password: string, organization?: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password, ...(organization ? { organization } : {}) },
  });
  if (res.statusCode === 200) {
    registerSecret(res.json().access_token);
    registerSecret(res.json().refresh_token);
  }
  return res;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates an API key through the HTTP API with the `access` token; the key is registered as a test secret. */
export async function createKey(t: TestApp, access: string, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(access), payload: body });
  assert.equal(res.statusCode, 201, res.body);
  const created = res.json() as { id: string; key: string };
  registerSecret(created.key);
  return created;
}

/** The problem body without its per-request id. */
export function problem(body: string): Record<string, unknown> {
  const { request_id: _, ...rest } = JSON.parse(body) as Record<string, unknown>;
  return rest;
}

/**
 * Invites `email` into `owner`'s organization with `role` and answers the one-time token. Adding a
 * member always goes through an invitation the person accepts (`acceptInvitation`).
 */
export async function inviteMember(t: TestApp, owner: Registered, email: string, role: string, access = owner.access): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${owner.slug}/members`,
    headers: bearer(access),
    payload: { email, role },
  });
  assert.equal(res.statusCode, 202, res.body);
  registerSecret(res.json().token);
  return res.json().token;
}

/** An existing user accepts an invitation with their own session. */
export async function acceptInvitation(t: TestApp, token: string, access: string): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/invitations/accept', headers: bearer(access), payload: { token } });
  assert.equal(res.statusCode, 200, res.body);
  registerSecret(res.json().tokens.access_token);
  registerSecret(res.json().tokens.refresh_token);
}

/** Adds a user to `owner`'s organization with `role` (invited, then accepted); answers that user's access token there. */
export async function addMember(t: TestApp, owner: Registered, role: string): Promise<{ token: string; userId: string }> {
  const password = `pw-${role}-${Math.random().toString(36).slice(2)}`;
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  registerSecret(password);
  const reg = await t.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password } });
  assert.equal(reg.statusCode, 201, reg.body);
  registerSecret(reg.json().tokens.access_token);
  registerSecret(reg.json().tokens.refresh_token);
  await acceptInvitation(t, await inviteMember(t, owner, email, role), reg.json().tokens.access_token);
  const res = await login(t, email, password, owner.slug);
  assert.equal(res.statusCode, 200, res.body);
  return { token: res.json().access_token, userId: reg.json().user.id };
}
