import assert from 'node:assert/strict';
import { bearer, login, type Registered } from '../identity/support.ts';
import type { TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

/** Adds a user to `owner`'s organization with `role`; answers that user's access token there. */
export async function member(t: TestApp, owner: Registered, role: string): Promise<{ token: string; userId: string }> {
  const password = `pw-${role}-${Math.random().toString(36).slice(2)}-audit`;
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  registerSecret(password);
  const reg = await t.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password } });
  assert.equal(reg.statusCode, 201, reg.body);
  registerSecret(reg.json().tokens.access_token);
  registerSecret(reg.json().tokens.refresh_token);
  const add = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${owner.slug}/members`,
    headers: bearer(owner.access),
    payload: { email, role },
  });
  assert.equal(add.statusCode, 201, add.body);
  const res = await login(t, email, password, owner.slug);
  assert.equal(res.statusCode, 200, res.body);
  return { token: res.json().access_token, userId: reg.json().user.id };
}

/** Creates an API key in `owner`'s organization with these scopes (the key is registered as a secret). */
export async function apiKey(t: TestApp, owner: Registered, scopes: string[]): Promise<{ key: string; id: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(owner.access),
    payload: { name: 'audit', scopes },
  });
  assert.equal(res.statusCode, 201, res.body);
  registerSecret(res.json().key);
  return { key: res.json().key, id: res.json().id };
}
