/**
 * Two first sign-ins of the same provider account at once (two tabs, a double-clicked callback):
 * both end signed in as the one user they create between them — never "email already registered",
 * never a 500, never two users.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signInWithProfile } from '../../src/social/accounts.ts';
import { createTestApp } from '../support/app.ts';

test('concurrent first sign-ins on PostgreSQL make one user and both succeed', async () => {
  const t = await createTestApp('postgres');
  try {
    for (let i = 0; i < 5; i++) {
      const profile = { subject: `gh-${i}`, email: `race${i}@example.com`, emailVerified: true, name: 'Race' };
      const [a, b] = await Promise.all([
        signInWithProfile(t.services, 'github', profile),
        signInWithProfile(t.services, 'github', profile),
      ]);
      assert.equal(a.user.id, b.user.id);
      const users = await t.services.storage.db.selectFrom('users').select('id').where('email', '=', profile.email).execute();
      assert.equal(users.length, 1);
    }
  } finally {
    await t.close();
  }
});
