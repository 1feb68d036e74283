import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { explainRoute, loadPolicyFile, matchRoute, PolicyError, parsePolicy } from '../../src/edge/policy/index.ts';
import { runCli } from '../support/cli.ts';

const TIERS = ['default', 'premium'];
const dir = mkdtempSync(join(tmpdir(), 'gh-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const POLICY = `
version: 1
unmatched: deny
rules:
  - name: health
    path: /health
    methods: GET
    public: true
  - name: recall
    host: api.example.com
    methods: [GET, POST]
    path: /v1/spaces/:space/recall
    scopes: [memories:read]
    memory_space: { param: space }
    rate_limit: premium
    resource_metadata: https://api.example.com/.well-known/oauth-protected-resource
  - name: tenant-header
    host: "*.example.com"
    path: /v1/tools/*/run
    scopes: tools:execute
    memory_space: { header: X-Tenant, required: false }
  - name: rest
    path: /v1/**
    scopes: [memories:write]
`;

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problemsOf(doc: unknown): string[] {
  try {
    parsePolicy(doc, { source: 'inline', tiers: TIERS });
  } catch (err) {
    assert.ok(err instanceof PolicyError);
    return [...err.problems];
  }
  assert.fail('the policy was accepted');
}

describe('route policy: validation', () => {
  test('a valid YAML file loads; JSON too', () => {
    const p = loadPolicyFile(write('p.yaml', POLICY), { tiers: TIERS });
    assert.deepEqual(
      p.rules.map((r) => r.name),
      ['health', 'recall', 'tenant-header', 'rest'],
    );
    assert.deepEqual(p.rules[2]?.memorySpace, { from: 'header', name: 'x-tenant', required: false });
    const j = loadPolicyFile(write('p.json', JSON.stringify({ version: 1, unmatched: 'authenticate', rules: [] })), { tiers: TIERS });
    assert.equal(j.unmatched, 'authenticate');
  });

  test('every problem is listed with its place', () => {
    const problems = problemsOf({
      version: 2,
      extra: true,
      rules: [
        { path: 'v1/x', scopes: ['BAD SCOPE'], memory_space: { param: 'nope' }, rate_limit: 'gold', public: true, frob: 1 },
        { path: '/a/**/b', methods: ['get', 'NOT A METHOD'] },
        { name: 'dup', path: '/a/:x/:x' },
        { name: 'dup', path: '/ok', host: 'bad host!', resource_metadata: 'ftp://x' },
        { path: '/q', memory_space: { header: 'x', query: 'y' } },
        'not-an-object',
      ],
    });
    const expected = [
      'extra: unknown key (expected version, unmatched, rules)',
      'version: must be 1, got 2',
      'rules[0].frob: unknown key',
      'rules[0].path: must start with "/"',
      'rules[0].scopes[0]: not a valid scope: "BAD SCOPE"',
      'rules[0].memory_space: the path has no parameter ":nope"',
      'rules[0].rate_limit: "gold" is not a configured tier (configured: default, premium)',
      'rules[0].public: a public rule takes no credential',
      'rules[1].methods[1]: not an HTTP method: "NOT A METHOD"',
      'rules[1].path: "**" may only be the last segment',
      'rules[2].path: parameter ":x" appears twice',
      'rules[3].host: must be a host name',
      'rules[3].resource_metadata: must be an http(s) URL',
      'rules[4].memory_space: needs exactly one of param, header or query',
      'rules[5]: must be an object',
    ];
    for (const e of expected)
      assert.ok(
        problems.some((p) => p.startsWith(e)),
        `missing "${e}" in:\n${problems.join('\n')}`,
      );
  });

  test('syntax errors and unreadable files name the file and the line', () => {
    assert.throws(
      () => loadPolicyFile(write('syn.yaml', 'version: 1\nrules: [\n  - a'), { tiers: TIERS }),
      (err: unknown) => err instanceof PolicyError && /syn\.yaml/.test(err.message) && /line \d+/.test(err.message),
    );
    assert.throws(() => loadPolicyFile(write('dup.yaml', 'version: 1\nversion: 1\nrules: []'), { tiers: TIERS }), /unique/);
    assert.throws(() => loadPolicyFile(join(dir, 'missing.yaml'), { tiers: TIERS }), /cannot be read: ENOENT/);
  });
});

describe('route policy: matching', () => {
  const policy = loadPolicyFile(write('m.yaml', POLICY), { tiers: TIERS });
  const m = (method: string, host: string, path: string) => matchRoute(policy, { method, host, path });
  const ruleOf = (r: ReturnType<typeof m>) => (r.kind === 'rule' ? r.rule.name : r.kind);

  test('first match in file order; host, method, params, wildcards', () => {
    assert.equal(ruleOf(m('GET', 'any', '/health')), 'health');
    assert.equal(ruleOf(m('HEAD', 'any', '/health/')), 'health', 'GET covers HEAD; one trailing slash is ignored');
    assert.equal(ruleOf(m('POST', 'any', '/health')), 'unmatched');
    const r = m('POST', 'API.example.com:443', '/v1/spaces/tenant%20a/recall');
    assert.equal(ruleOf(r), 'recall');
    assert.deepEqual(r.kind === 'rule' ? r.params : null, { space: 'tenant a' });
    assert.equal(ruleOf(m('POST', 'other.example.com', '/v1/spaces/a/recall')), 'rest', 'another host falls through');
    assert.equal(ruleOf(m('PUT', 'x.example.com', '/v1/tools/search/run')), 'tenant-header');
    assert.equal(ruleOf(m('PUT', 'a.b.example.com', '/v1/tools/search/run')), 'rest', '*. covers one label');
    assert.equal(ruleOf(m('PUT', 'example.com', '/v1/tools/search/run')), 'rest');
    assert.equal(ruleOf(m('GET', 'any', '/v1')), 'rest', '** matches zero segments');
    assert.equal(ruleOf(m('GET', 'any', '/v2/x')), 'unmatched');
  });

  test('paths that could be read two ways are refused, never matched', () => {
    for (const path of ['/v1/../admin', '/v1/%2e%2e/admin', '/v1/a%2Fb', '/v1\\admin', '/v1//x', '/v1/%zz', '/v1/./x', 'v1']) {
      const r = m('GET', 'any', path);
      assert.equal(r.kind, 'invalid', path);
    }
  });

  test('explain says why each earlier rule did not match', () => {
    const { match, verdicts } = explainRoute(policy, { method: 'DELETE', host: 'other', path: '/v1/spaces/a/recall' });
    assert.equal(ruleOf(match), 'rest');
    assert.deepEqual(verdicts, [
      { rule: 'health', matched: false, reason: 'method DELETE is not GET' },
      { rule: 'recall', matched: false, reason: 'host "other" is not api.example.com' },
      { rule: 'tenant-header', matched: false, reason: 'host "other" is not *.example.com' },
      { rule: 'rest', matched: true, reason: 'host, method and path match' },
    ]);
  });
});

describe('gatehouse policy check|explain', () => {
  const env = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };

  test('check: exit 0 on a valid file, 2 with every problem on an invalid one', () => {
    const ok = runCli(env, ['policy', 'check', write('c.yaml', POLICY)]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /valid, 4 rule\(s\); requests no rule matches: deny/);
    const bad = runCli(env, ['policy', 'check', write('c-bad.yaml', 'version: 1\nrules:\n  - path: /x\n    rate_limit: gold\n')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /rules\[0\]\.rate_limit: "gold" is not a configured tier/);
  });

  test('explain: the matching rule, the verdicts before it, and what the rule needs', () => {
    const file = write('e.yaml', POLICY);
    const res = runCli(env, ['policy', 'explain', file, 'post', 'http://api.example.com/v1/spaces/acme/recall']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /✘ health: method POST is not GET/);
    assert.match(res.stdout, /→ rule recall/);
    assert.match(res.stdout, /memory space from path parameter :space = "acme"/);
    assert.match(res.stdout, /rate-limit tier premium/);
    const json = runCli(env, ['--json', 'policy', 'explain', file, 'GET', '/v1/../admin']);
    assert.equal(json.status, 0, json.stderr);
    assert.match(JSON.parse(json.stdout).outcome.refused, /ERR-9002: the path contains a dot segment/);
    const denied = runCli(env, ['policy', 'explain', file, 'GET', '/nothing']);
    assert.match(denied.stdout, /no rule matches: denied with 403 \(ERR-9001\)/);
  });
});
