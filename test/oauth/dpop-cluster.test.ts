import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/app.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { migrateToLatest, openStorage } from '../../src/storage/index.ts';
import { registerOrg } from '../identity/support.ts';
import { createTestApp, TEST_SECRETS, type TestApp } from '../support/app.ts';
import { TEST_PG_URL } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { ath, proofKey } from './sender-support.ts';
import { createClient } from './support.ts';

const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BASE = 'http://gatehouse.test';

interface Node {
  readonly app: FastifyInstance;
  readonly services: Services;
}

/**
 * Two Gatehouse nodes on one PostgreSQL schema and one Redis (a key prefix of this test's own):
 * what a proof or an assertion used on one node is, the other must know.
 */
describe('one-time proofs across two nodes on real Redis and PostgreSQL', () => {
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  const redisKeyPrefix = `gatehouse:test:${randomBytes(6).toString('hex')}:`;
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-dpop-cluster-'));
  const nodes: Node[] = [];

  async function node(): Promise<Node> {
    const config = loadConfig({
      env: {},
      file: undefined,
      overrides: { dataDir, logLevel: 'silent', publicUrl: BASE, rateLimitEnabled: false, redisUrl: REDIS_URL, redisKeyPrefix },
    });
    const storage = openStorage(TEST_PG_URL, { schema, max: 3 });
    const services = await createServices(config, { clock, storage, secrets: TEST_SECRETS, migrate: false, log: createLogger('silent') });
    const n = { app: await buildApp(services), services };
    nodes.push(n);
    return n;
  }

  before(async () => {
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const storage = openStorage(TEST_PG_URL, { schema, max: 1 });
    await migrateToLatest(storage);
    await storage.close();
  });
  after(async () => {
    for (const n of nodes) {
      await n.app.close();
      await n.services.close();
    }
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a DPoP proof used on node A is a replay on node B; a private_key_jwt assertion too', async () => {
    const a = await node();
    const b = await node();
    const owner = await registerOrg(a as unknown as TestApp);
    const worker = await createClient(a as unknown as TestApp, owner, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'reports:read',
    });
    const key = await proofKey();
    const basic = `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`;
    const tokenProof = await key.proof({ htm: 'POST', htu: `${BASE}/oauth/token` });
    const grant = (n: Node) =>
      n.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', dpop: tokenProof },
        payload: 'grant_type=client_credentials',
      });
    const issued = await grant(a);
    assert.equal(issued.statusCode, 200, issued.body);
    const token = issued.json().access_token as string;
    registerSecret(token);
    const atTokenB = await grant(b);
    assert.equal(atTokenB.statusCode, 400);
    assert.equal(atTokenB.json().error, 'invalid_dpop_proof');

    const proof = await key.proof({ htm: 'POST', htu: `${BASE}/v1/auth/check`, ath: ath(token) });
    const check = (n: Node) =>
      n.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { authorization: `DPoP ${token}`, dpop: proof }, payload: {} });
    assert.equal((await check(a)).statusCode, 200);
    const replay = await check(b);
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().code, 'ERR-8042');

    // private_key_jwt: one assertion, one use, whichever node sees it first.
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const signer = await createClient(a as unknown as TestApp, owner, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
    });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(signer.client_id)
      .setSubject(signer.client_id)
      .setAudience(`${BASE}/oauth/token`)
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .setExpirationTime(Math.floor(clock.now() / 1000) + 60)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(privateKey);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString();
    const use = (n: Node) =>
      n.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form,
      });
    const first = await use(b);
    assert.equal(first.statusCode, 200, first.body);
    registerSecret(first.json().access_token as string);
    const again = await use(a);
    assert.equal(again.statusCode, 401);
    assert.equal(again.json().error, 'invalid_client');
    assert.match(again.json().error_description as string, /already used/);
  });
});

describe('replay cache without Redis reachable', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite', { redisUrl: 'redis://127.0.0.1:1' }, new ManualClock(Math.floor(Date.now() / 1000) * 1000));
  });
  after(() => t.close());

  test('fails closed: a DPoP proof is refused with temporarily_unavailable (503), never accepted unchecked', async () => {
    const owner = await registerOrg(t);
    const worker = await createClient(t, owner, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' });
    const key = await proofKey();
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        dpop: await key.proof({ htm: 'POST', htu: 'http://gatehouse.test/oauth/token' }),
      },
      payload: 'grant_type=client_credentials',
    });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().error, 'temporarily_unavailable');
  });
});
