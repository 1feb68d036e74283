import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BACKENDS } from '../support/backends.ts';
import { cliWorkspace } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';

for (const backend of BACKENDS) {
  describe(`gatehouse clients (${backend})`, () => {
    const ws = cliWorkspace(backend);
    before(ws.setup);
    after(ws.dispose);

    test('add, list, show, rotate, remove', () => {
      const init = ws.run(['init', '--org', 'Acme', '--email', 'ops@acme.test', '--password-stdin'], 'correct-horse-battery\n');
      assert.equal(init.status, 0, init.stderr);
      registerSecret('correct-horse-battery');
      const add = ws.run([
        '--json',
        'clients',
        'add',
        '--org',
        'acme',
        '--name',
        'worker',
        '--grant',
        'client_credentials',
        '--scope',
        'reports:read',
      ]);
      assert.equal(add.status, 0, add.stderr);
      const created = JSON.parse(add.stdout) as { client_id: string; client_secret: string };
      registerSecret(created.client_secret);
      assert.match(created.client_secret, /^ghcs_/);
      const list = ws.run(['clients', 'list', '--org', 'acme']);
      assert.match(list.stdout, new RegExp(created.client_id));
      const show = ws.run(['--json', 'clients', 'show', created.client_id]);
      assert.equal(JSON.parse(show.stdout).client_name, 'worker');
      assert.doesNotMatch(show.stdout, /ghcs_/);
      const rotate = ws.run(['--json', 'clients', 'rotate', created.client_id]);
      const rotated = JSON.parse(rotate.stdout).client_secret as string;
      registerSecret(rotated);
      assert.notEqual(rotated, created.client_secret);
      assert.equal(ws.run(['clients', 'remove', created.client_id]).status, 0);
      const gone = ws.run(['clients', 'show', created.client_id]);
      assert.equal(gone.status, 1);
      assert.match(gone.stderr, /no client/);
      const bad = ws.run(['clients', 'add', '--org', 'acme', '--redirect-uri', 'http://evil.example/cb']);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /Redirect URIs/);
    });
  });
}
