/** The CLI refuses disguised names with the same check as the HTTP API (ERR-1051), before anything is stored. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cliWorkspace } from '../support/cli.ts';

const ws = cliWorkspace('sqlite');
before(ws.setup);
after(ws.dispose);

test('init and token add refuse bidi overrides, zero-width characters, separators and blank names', () => {
  for (const org of ['\u202EemaN', 'Ac\u200Bme', 'Acme\u2028', '   ']) {
    const res = ws.run(['init', '--org', org, '--slug', 'acme', '--email', 'ada@example.com', '--password-stdin'], 'a long password 9\n');
    assert.equal(res.status, 1, res.stdout);
    assert.match(res.stderr, /--org must not .*\(ERR-1051\)/);
  }
  const badOwner = ws.run(
    ['init', '--org', 'Acme', '--email', 'ada@example.com', '--name', 'Ada\u2066', '--password-stdin'],
    'a long password 9\n',
  );
  assert.match(badOwner.stderr, /--name must not .*\(ERR-1051\)/);
  const ok = ws.run(
    ['init', '--org', 'Acme', '--email', 'ada@example.com', '--name', 'Adà Lövelace', '--password-stdin'],
    'a long password 9\n',
  );
  assert.equal(ok.status, 0, ok.stderr);
  for (const args of [
    ['--name', 'ci\u202Egnp'],
    ['--description', 'nightly\uFEFF'],
  ]) {
    const res = ws.run(['token', 'add', '--org', 'acme', ...args]);
    assert.equal(res.status, 1, res.stdout);
    assert.match(res.stderr, /must not .*\(ERR-1051\)/);
    assert.ok(!res.stdout.includes('sk_'), 'no key was printed');
  }
  const list = ws.run(['token', 'list', '--org', 'acme', '--json']);
  assert.deepEqual(JSON.parse(list.stdout), []);
});
