/**
 * Key-lifetime policy: the server's `apiKeyMaxLifetimeDays` and an organization's own
 * `api_key_max_lifetime_days`; the shorter applies, an omitted expiry gets the maximum, asking
 * beyond it is ERR-5050, and no key ever expires more than 3650 days away.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { bearer, createKey, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

const DAY = 86_400_000;

describe('API-key lifetime policy', () => {
  const apps: TestApp[] = [];
  after(() => Promise.all(apps.map((a) => a.close())));

  test('no policy: keys may be created without an expiry; expires_at and expires_in_days are held to 3650 days', async () => {
    const t = await createTestApp('sqlite');
    apps.push(t);
    const o = await registerOrg(t);
    const none = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(o.access),
      payload: { name: 'n', scopes: ['keys:read'] },
    });
    assert.equal(none.json().expires_at, null);
    const at = new Date(t.clock.now() + 3651 * DAY).toISOString();
    for (const payload of [{ expires_at: at }, { expires_in_days: 3651 }]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(o.access),
        payload: { name: 'x', scopes: ['keys:read'], ...payload },
      });
      assert.equal(res.statusCode, 400, res.body);
    }
    const edge = await createKey(t, o.access, { name: 'edge', scopes: ['keys:read'], expires_in_days: 3650 });
    assert.ok(edge.id);
  });

  test('the server policy and the organization policy: the shorter applies, the default is the maximum', async () => {
    const t = await createTestApp('sqlite', { apiKeyMaxLifetimeDays: 90 });
    apps.push(t);
    const o = await registerOrg(t);
    const now = t.clock.now();
    const create = (payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(o.access),
        payload: { name: 'k', scopes: ['keys:read'], ...payload },
      });

    const dflt = await create({});
    assert.equal(dflt.statusCode, 201, dflt.body);
    assert.equal(Date.parse(dflt.json().expires_at), now + 90 * DAY);
    const beyond = await create({ expires_in_days: 91 });
    assert.equal(beyond.statusCode, 400);
    assert.equal(beyond.json().code, 'ERR-5050');
    assert.match(beyond.json().detail, /90 days/);

    const set = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${o.slug}`,
      headers: bearer(o.access),
      payload: { api_key_max_lifetime_days: 30 },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().api_key_max_lifetime_days, 30);
    assert.equal((await create({ expires_in_days: 31 })).json().code, 'ERR-5050');
    assert.equal(Date.parse((await create({})).json().expires_at), now + 30 * DAY);

    const bad = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${o.slug}`,
      headers: bearer(o.access),
      payload: { api_key_max_lifetime_days: 0 },
    });
    assert.equal(bad.statusCode, 400);
    const lift = await t.app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${o.slug}`,
      headers: bearer(o.access),
      payload: { api_key_max_lifetime_days: null },
    });
    assert.equal(lift.json().api_key_max_lifetime_days, null);
    assert.equal(Date.parse((await create({})).json().expires_at), now + 90 * DAY, 'the server policy still applies');
  });
});
