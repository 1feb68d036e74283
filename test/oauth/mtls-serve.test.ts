import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { tlsServerFactory } from '../../src/http/tls.ts';
import { cliWorkspace } from '../support/cli.ts';
import { type ServerProcess, startServer } from '../support/serve-subprocess.ts';
import { makePki, tlsFetch } from './sender-support.ts';

const ws = cliWorkspace('sqlite');
const pki = makePki();
let server: ServerProcess;

before(async () => {
  await ws.setup();
  server = startServer({
    ...ws.env,
    GATEHOUSE_LOG_LEVEL: 'info',
    GATEHOUSE_TLS_CERT: pki.path('server.pem'),
    GATEHOUSE_TLS_KEY: pki.path('server.key'),
    GATEHOUSE_TLS_CLIENT_CA: pki.path('ca.pem'),
  });
});
after(async () => {
  await server.stop();
  await ws.dispose();
  pki.dispose();
});

test('gatehouse serve listens on HTTPS with tlsCert/tlsKey, asks for a client certificate but does not require one', async () => {
  const address = await server.ready;
  const port = new URL(address).port;
  const url = `https://127.0.0.1:${port}/health`;
  const anonymous = await tlsFetch({ ca: pki.pem('ca') })(url);
  assert.equal(anonymous.status, 200);
  const withCert = await tlsFetch({ ca: pki.pem('ca'), cert: pki.pem('worker'), key: readFileSync(pki.path('worker.key'), 'utf8') })(url);
  assert.equal(withCert.status, 200);
  // Plain HTTP on the TLS port is not served.
  await assert.rejects(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    assert.notEqual(res.status, 200);
    throw new Error('not served');
  });
});

test('half a TLS configuration is refused at start-up with a clear message (in process)', () => {
  const config = (o: Record<string, unknown>) => loadConfig({ env: {}, file: undefined, overrides: o });
  assert.throws(() => tlsServerFactory(config({ tlsCert: pki.path('server.pem') })), /tlsCert and tlsKey must be set together/);
  assert.throws(() => tlsServerFactory(config({ tlsCert: pki.path('server.pem'), tlsKey: '/nonexistent/key.pem' })), /tlsKey: cannot read/);
  assert.equal(tlsServerFactory(config({})), undefined);
});
