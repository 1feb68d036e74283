/**
 * The floor of an HTTP shape, for `npm run bench:cpu` with `BENCH_FLOOR=1`: raw `node:http`, no
 * framework and no work. `GET /tiny` answers like the bare-Fastify ceiling (`{"ok":true}`);
 * `POST /v1/auth/check` reads its body and answers with the headers a Gatehouse decision carries
 * (request id, security headers, rate-limit headers, `X-Gatehouse-*`) and a Principal-sized body.
 */
import http from 'node:http';
import { announce, port } from './ready.mjs';

const id = 'key_01KBCDEFGHJKMNPQRSTVWXYZ01';
const org = 'org_01KBCDEFGHJKMNPQRSTVWXYZ01';
const decision = JSON.stringify({
  allowed: true,
  memory_space: null,
  principal: {
    kind: 'api_key',
    subject: id,
    organization_id: org,
    role: 'owner',
    scopes: ['*'],
    memory_spaces: '*',
    credential_id: id,
    rate_limit_policy: 'api_key',
    expires_at: null,
  },
});
const decisionHeaders = {
  'x-request-id': 'req_abcdef123',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-ratelimit-limit': '1000000',
  'x-ratelimit-remaining': '999999',
  'x-ratelimit-reset': '1',
  'ratelimit-policy': '1000000;w=60',
  'x-gatehouse-subject': id,
  'x-gatehouse-organization': org,
  'x-gatehouse-scopes': '*',
  'content-type': 'application/json; charset=utf-8',
};

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"ok":true}');
    return;
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, decisionHeaders);
    res.end(decision);
  });
});
server.listen(port, '127.0.0.1', () => announce(server));
