/**
 * The cached revocation state shared by sessions, OAuth clients and single access tokens: answers
 * from memory within its TTL, a bus message revokes at once, `EVERY_ENTRY` forgets everything,
 * and a revocation that races a storage lookup wins.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalBus, EVERY_ENTRY } from '../../src/cluster/invalidation.ts';
import { revocationState } from '../../src/cluster/revocation-state.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import type { Storage } from '../../src/storage/index.ts';

function setup(dialect: 'sqlite' | 'postgres') {
  const bus = createLocalBus();
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const config = loadConfig({ env: {}, overrides: {} });
  const revoked = new Set<string>();
  let lookups = 0;
  let during: (() => void) | undefined;
  const state = revocationState({ storage: { dialect } as Storage, clock, config, bus }, 'oauth_client', async (id) => {
    lookups++;
    during?.();
    return revoked.has(id);
  });
  return { bus, clock, revoked, state, lookups: () => lookups, onLookup: (f: () => void) => (during = f) };
}

test('storage is asked once per TTL; a bus message revokes at once', async () => {
  const s = setup('sqlite');
  assert.equal(await s.state.isRevoked('cli_a'), false);
  s.revoked.add('cli_a');
  assert.equal(await s.state.isRevoked('cli_a'), false, 'cached within 30 s on one SQLite node');
  assert.equal(s.lookups(), 1);
  s.bus.publish('oauth_client', 'cli_a');
  assert.equal(await s.state.isRevoked('cli_a'), true);
  assert.equal(s.lookups(), 1);
});

test('EVERY_ENTRY drops every cached answer (it is not an id)', async () => {
  const s = setup('sqlite');
  assert.equal(await s.state.isRevoked('cli_b'), false);
  s.revoked.add('cli_b');
  s.bus.publish('oauth_client', EVERY_ENTRY);
  assert.equal(await s.state.isRevoked('cli_b'), true, 'asked storage again');
});

test('without pushed invalidations the answer lives 1 s; a revocation racing the lookup wins', async () => {
  const s = setup('postgres');
  assert.equal(await s.state.isRevoked('cli_c'), false);
  s.revoked.add('cli_c');
  s.clock.advance(1_001);
  assert.equal(await s.state.isRevoked('cli_c'), true);
  const r = setup('postgres');
  r.onLookup(() => r.bus.publish('oauth_client', 'cli_d'));
  assert.equal(await r.state.isRevoked('cli_d'), true);
});
