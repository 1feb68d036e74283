import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorize, hasScope, isValidScope, missingScopes, resolveMemorySpace, ungrantable } from '../../src/authorization/index.ts';
import type { Principal } from '../../src/pipeline/index.ts';
import { errorName } from '../support/errors.ts';

test('exact, wildcard and qualifier matching', () => {
  assert.ok(hasScope(['contexts:read'], 'contexts:read'));
  assert.ok(!hasScope(['contexts:read'], 'contexts:write'));
  assert.ok(hasScope(['*'], 'tools:execute:github'));
  assert.ok(hasScope(['*:*'], 'contexts:read'));
  assert.ok(hasScope(['contexts:*'], 'contexts:write'));
  assert.ok(!hasScope(['contexts:*'], 'tools:read'));
  assert.ok(hasScope(['tools:execute:*'], 'tools:execute:github'));
  assert.ok(!hasScope(['tools:execute:*'], 'tools:execute'));
  assert.ok(!hasScope(['tools:execute:github'], 'tools:execute:gitlab'));
  assert.ok(!hasScope(['contexts'], 'contexts:read'));
});

test('permission words: read, write, admin; admin resources are not in read/write', () => {
  assert.ok(hasScope(['read'], 'contexts:read'));
  assert.ok(!hasScope(['read'], 'contexts:write'));
  assert.ok(hasScope(['write'], 'contexts:write'));
  assert.ok(hasScope(['write'], 'contexts:read'));
  assert.ok(hasScope(['write'], 'read'));
  assert.ok(!hasScope(['write'], 'members:write'));
  assert.ok(!hasScope(['read'], 'audit:read'));
  assert.ok(hasScope(['admin'], 'members:write'));
});

test('a scope only narrows: nothing the holder lacks can be granted', () => {
  assert.deepEqual(ungrantable(['contexts:*'], ['contexts:read', 'contexts:*']), []);
  assert.deepEqual(ungrantable(['contexts:read'], ['contexts:*']), ['contexts:*']);
  assert.deepEqual(ungrantable(['read'], ['write', 'contexts:*', '*']), ['write', 'contexts:*', '*']);
  assert.deepEqual(ungrantable(['*'], ['anything:at:all', '*']), []);
  assert.deepEqual(missingScopes(['a:b'], ['a:b', 'c:d']), ['c:d']);
});

test('scope grammar', () => {
  for (const s of ['contexts:read', 'tools:execute:github', '*', '*:*', 'read', 'memory.v2:write']) assert.ok(isValidScope(s), s);
  for (const s of ['', ':read', 'a b', 'Contexts:read', 'a::b', 'x'.repeat(201)]) assert.ok(!isValidScope(s), s);
});

const principal: Principal = {
  kind: 'api_key',
  subject: 'key_1',
  organizationId: 'org_a',
  role: null,
  scopes: ['contexts:read'],
  memorySpaces: ['tenant_acme', 'tenant_beta'],
  credentialId: 'key_1',
};

test('authorize: another organization is a 404, a missing scope a 403 with the scope, a foreign space a 403', () => {
  assert.equal(
    errorName(() => authorize(principal, { organizationId: 'org_b' })),
    'not_found',
  );
  assert.equal(
    errorName(() => authorize(principal, { scopes: ['contexts:write'] })),
    'insufficient_scope',
  );
  assert.equal(
    errorName(() => authorize(principal, { memorySpace: 'tenant_other' })),
    'memory_space_forbidden',
  );
  assert.equal(
    errorName(() => authorize(principal, { scopes: ['contexts:read'], organizationId: 'org_a', memorySpace: 'tenant_acme' })),
    'none',
  );
});

test('authorize: roles bind every credential with a user behind it; service keys are judged by scopes', () => {
  const user: Principal = { ...principal, kind: 'user', role: 'member', scopes: ['*'], userId: 'usr_1' };
  assert.equal(
    errorName(() => authorize(user, { minimumRole: 'admin' })),
    'insufficient_role',
  );
  assert.equal(
    errorName(() => authorize({ ...user, role: 'owner' }, { minimumRole: 'admin' })),
    'none',
  );
  const usersKey: Principal = { ...user, kind: 'api_key' };
  assert.equal(
    errorName(() => authorize(usersKey, { minimumRole: 'admin' })),
    'insufficient_role',
  );
  assert.equal(
    errorName(() => authorize({ ...usersKey, role: null }, { minimumRole: 'readonly' })),
    'insufficient_role',
    'fails closed',
  );
  const { userId: _, ...serviceKey } = usersKey;
  assert.equal(
    errorName(() => authorize({ ...serviceKey, role: null }, { minimumRole: 'admin' })),
    'none',
  );
});

test('memory space: named, implicit single, or required', () => {
  assert.equal(resolveMemorySpace(principal, 'tenant_beta'), 'tenant_beta');
  assert.equal(resolveMemorySpace({ ...principal, memorySpaces: ['only'] }, undefined), 'only');
  assert.equal(resolveMemorySpace(principal, undefined), undefined);
  assert.equal(
    errorName(() => resolveMemorySpace(principal, undefined, true)),
    'memory_space_required',
  );
  assert.equal(resolveMemorySpace({ ...principal, memorySpaces: '*' }, 'any'), 'any');
});
