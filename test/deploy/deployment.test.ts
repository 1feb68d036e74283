import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema, envName } from '../../src/config/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { runCli } from '../support/cli.ts';

/**
 * What cannot run here (a container build, a cluster, systemd) is checked where it can be: the
 * files parse, the commands they run exist, and the ports, paths and variables they name are the
 * ones the configuration documents.
 */

const read = (p: string) => readFileSync(p, 'utf8');
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)}`);
  return v as Obj;
};
const arr = (v: unknown): unknown[] => {
  assert.ok(Array.isArray(v), `expected a list, got ${JSON.stringify(v)}`);
  return v;
};

const OPTION_ENV = new Set(
  Object.entries(configSchema).flatMap(([k, o]) => [envName(k), ...((o as { aliases?: string[] }).aliases ?? [])]),
);
const DEFAULT_PORT = 8080;
const CONFIG_DOC = read('docs/configuration.md');
const FILES = ['deploy/Dockerfile', 'deploy/compose.yaml', 'deploy/kubernetes/gatehouse.yaml', 'deploy/systemd/gatehouse.service'];

let t: TestApp;
before(async () => {
  t = await createTestApp('sqlite');
});
after(() => t.close());

test('every GATEHOUSE_ variable the deployment files set is a documented option', () => {
  for (const file of FILES) {
    const names = [...read(file).matchAll(/\bGATEHOUSE_[A-Z0-9_]+/g)].map((m) => m[0]);
    assert.ok(names.length > 0, file);
    for (const name of names) {
      assert.ok(OPTION_ENV.has(name), `${file}: ${name} is not an option`);
      assert.ok(CONFIG_DOC.includes(name), `${file}: ${name} is not in docs/configuration.md`);
    }
  }
  assert.equal(configSchema.port.default, DEFAULT_PORT);
});

test('the commands the files run exist: gatehouse serve [--workers auto], from bin/gatehouse.js', () => {
  const help = runCli({ PATH: process.env.PATH ?? '' }, ['serve', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--workers <n>/);
  assert.ok(existsSync('bin/gatehouse.js'));
  const bad = runCli({ PATH: process.env.PATH ?? '' }, ['serve', '--workers', 'many']);
  assert.notEqual(bad.status, 0, 'an invalid worker count is refused');
});

test('Dockerfile: copies what exists, runs as a non-root user, checks /health on the configured port', async () => {
  const text = read('deploy/Dockerfile');
  for (const m of text.matchAll(/^COPY (?!--from)(\S+(?: \S+)*) \S+$/gm)) {
    for (const src of (m[1] as string).split(' ')) assert.ok(existsSync(src), `COPY ${src} exists in the repository`);
  }
  const users = [...text.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
  assert.ok(users.length > 0 && !users.includes('root') && !users.includes('0'), 'a non-root USER');
  const health = /^HEALTHCHECK .*\n?.*CMD .*http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/m.exec(text);
  assert.ok(health, 'a HEALTHCHECK');
  const port = Number(/GATEHOUSE_PORT=(\d+)/.exec(text)?.[1]);
  assert.equal(Number(health[1]), port);
  assert.match(text, new RegExp(`^EXPOSE ${port}$`, 'm'));
  assert.equal((await t.app.inject({ method: 'GET', url: health[2] as string })).statusCode, 200);
  assert.deepEqual(JSON.parse(/^ENTRYPOINT (.*)$/m.exec(text)?.[1] ?? '[]'), ['node', 'bin/gatehouse.js']);
  assert.deepEqual(JSON.parse(/^CMD (\[.*\])$/m.exec(text)?.[1] ?? '[]'), ['serve']);
  assert.match(text, /^FROM node:20/m, 'Node 20 (20.19+ at build time)');
});

test('compose: Gatehouse on the PostgreSQL and Redis services, secrets as files', () => {
  const doc = obj(parse(read('deploy/compose.yaml')));
  const services = obj(doc.services);
  assert.ok(services.postgres && services.redis);
  const g = obj(services.gatehouse);
  const env = obj(g.environment);
  assert.match(String(env.GATEHOUSE_DATABASE_URL), /^postgres:\/\/[^@]+@postgres:5432\//);
  assert.match(String(env.GATEHOUSE_REDIS_URL), /^redis:\/\/redis:6379$/);
  const secrets = obj(doc.secrets);
  for (const name of arr(g.secrets)) {
    assert.ok(secrets[String(name)], `secret ${String(name)} is defined`);
    assert.ok(Object.values(env).includes(`/run/secrets/${String(name)}`), `${String(name)} is read through a *_FILE option`);
  }
  assert.deepEqual(arr(g.ports), [`${DEFAULT_PORT}:${DEFAULT_PORT}`]);
  assert.deepEqual(arr(g.command).slice(0, 1), ['serve']);
  assert.equal(obj(g.build).dockerfile, 'deploy/Dockerfile');
});

test('Kubernetes: readiness on /ready, liveness on /health, Service, Secret for the pepper and master key, PodDisruptionBudget', async () => {
  const docs = parseAllDocuments(read('deploy/kubernetes/gatehouse.yaml')).map((d) => obj(d.toJS()));
  const kind = (k: string) => {
    const found = docs.find((d) => d.kind === k);
    assert.ok(found, `a ${k}`);
    return found;
  };
  const secret = kind('Secret');
  const deployment = obj(kind('Deployment').spec);
  const service = obj(kind('Service').spec);
  const pdb = obj(kind('PodDisruptionBudget').spec);
  const pod = obj(obj(deployment.template).spec);
  const labels = obj(obj(obj(deployment.template).metadata).labels);
  assert.deepEqual(obj(deployment.selector).matchLabels, labels);
  assert.deepEqual(service.selector, labels);
  assert.deepEqual(obj(pdb.selector).matchLabels, labels);
  assert.ok(Number(pdb.minAvailable) < Number(deployment.replicas), 'a disruption can still evict a pod');
  assert.equal(obj(pod.securityContext).runAsNonRoot, true);
  const [container] = arr(pod.containers).map(obj);
  assert.ok(container);
  const ports = arr(container.ports).map(obj);
  const env = Object.fromEntries(arr(container.env).map((e) => [String(obj(e).name), obj(e)]));
  const port = Number(env.GATEHOUSE_PORT?.value ?? DEFAULT_PORT);
  assert.equal(ports[0]?.containerPort, port);
  assert.equal(obj(service.ports && arr(service.ports)[0]).targetPort, ports[0]?.name);
  const ready = obj(obj(container.readinessProbe).httpGet);
  const live = obj(obj(container.livenessProbe).httpGet);
  assert.equal(ready.path, '/ready');
  assert.equal(live.path, '/health');
  assert.equal(ready.port, ports[0]?.name);
  for (const path of ['/ready', '/health']) assert.equal((await t.app.inject({ method: 'GET', url: path })).statusCode, 200, path);
  // The pepper and master key come from the Secret, mounted as files the *_FILE options name.
  const data = obj(secret.stringData);
  const mount = arr(container.volumeMounts)
    .map(obj)
    .find((m) => m.name === 'secrets');
  assert.ok(mount);
  const volume = arr(pod.volumes)
    .map(obj)
    .find((v) => v.name === 'secrets');
  const items = arr(obj(obj(volume).secret).items).map(obj);
  for (const [option, key] of [
    ['GATEHOUSE_PEPPER_FILE', 'pepper'],
    ['GATEHOUSE_KEY_ENCRYPTION_KEY_FILE', 'master.key'],
  ] as const) {
    assert.ok(data[key], `Secret holds ${key}`);
    const item = items.find((i) => i.key === key);
    assert.ok(item, `${key} is mounted`);
    assert.equal(env[option]?.value, `${String(mount.mountPath)}/${String(item.path)}`);
  }
  for (const [option, key] of [
    ['GATEHOUSE_DATABASE_URL', 'database-url'],
    ['GATEHOUSE_REDIS_URL', 'redis-url'],
  ] as const) {
    assert.equal(obj(obj(env[option]?.valueFrom).secretKeyRef).key, key);
    assert.ok(data[key]);
  }
});

test('systemd: runs gatehouse serve --workers auto as its own user, secrets as credentials, drains on SIGTERM', () => {
  const text = read('deploy/systemd/gatehouse.service');
  const values = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] as string);
  const [workdir] = values('WorkingDirectory');
  const [exec] = values('ExecStart');
  assert.ok(workdir && exec);
  const [node, script, ...args] = exec.split(' ');
  assert.equal(node, '/usr/bin/node');
  assert.ok(script?.startsWith(`${workdir}/`));
  assert.ok(existsSync((script as string).slice(workdir.length + 1)), `${script} is in the repository`);
  assert.deepEqual(args, ['serve', '--workers', 'auto']);
  assert.ok(values('User')[0] && values('User')[0] !== 'root');
  assert.deepEqual(values('KillSignal'), ['SIGTERM']);
  const creds = values('LoadCredential').map((c) => c.split(':')[0]);
  const env = Object.fromEntries(values('Environment').map((e) => e.split('=', 2) as [string, string]));
  assert.equal(env.GATEHOUSE_PEPPER_FILE, '%d/pepper');
  assert.equal(env.GATEHOUSE_KEY_ENCRYPTION_KEY_FILE, '%d/master.key');
  assert.deepEqual(creds, ['pepper', 'master.key']);
  assert.ok(values('ReadWritePaths').includes(env.GATEHOUSE_DATA_DIR as string), 'the data directory is writable');
});

test('docs/deployment.md walks every deployment file', () => {
  const doc = read('docs/deployment.md');
  for (const file of FILES) assert.ok(doc.includes(file), `${file} is described`);
});
