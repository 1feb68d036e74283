import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cliWorkspace } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const MCP = 'https://mcp.example.com/mcp';

// The CLI writes through the same client service as the API; SQLite is enough to prove the wiring.
describe('gatehouse clients: token exchange settings (sqlite)', () => {
  const ws = cliWorkspace('sqlite');
  before(ws.setup);
  after(ws.dispose);

  test('add --exchange-resource enables exchange for a resource; clients exchange without --resource turns it off', () => {
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
      'agent',
      '--grant',
      'client_credentials',
      '--grant',
      EXCHANGE,
      '--exchange-resource',
      MCP,
    ]);
    assert.equal(add.status, 0, add.stderr);
    const created = JSON.parse(add.stdout) as { client_id: string; client_secret: string; token_exchange_resources: string[] };
    registerSecret(created.client_secret);
    assert.deepEqual(created.token_exchange_resources, [MCP]);
    const off = ws.run(['--json', 'clients', 'exchange', created.client_id]);
    assert.equal(off.status, 0, off.stderr);
    const shown = JSON.parse(off.stdout) as { grant_types: string[]; token_exchange_resources?: string[] };
    assert.deepEqual(shown.grant_types, ['client_credentials']);
    assert.equal(shown.token_exchange_resources, undefined);
    const bad = ws.run(['clients', 'exchange', created.client_id, '--resource', 'not a url']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /token_exchange_resources/);
  });
});
