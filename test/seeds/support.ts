import type { SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { logExternalIssuers } from '../../src/cli/external-summary.ts';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { runCli } from '../support/cli.ts';
import { recordLogLine } from '../support/secrets-watch.ts';

/** A Gatehouse listening on loopback, on a SQLite file that the CLI (run as a subprocess) shares. */
export interface SeedServer {
  /** `http://127.0.0.1:PORT`: the only thing changed in the pages' examples. */
  readonly base: string;
  readonly env: Readonly<Record<string, string>>;
  readonly services: Services;
  readonly app: FastifyInstance;
  /** Every log line the server wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Runs `gatehouse ARGS` on the same storage and configuration. */
  cli(args: readonly string[], input?: string): SpawnSyncReturns<string>;
  close(): Promise<void>;
}

/**
 * Starts a server as `gatehouse serve` would, with the page's settings in `env` (the process
 * environment of the server and the CLI alike), plus a data directory of its own.
 */
export async function startSeedServer(settings: Readonly<Record<string, string>> = {}): Promise<SeedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-seed-'));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent', ...settings };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        recordLogLine(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const config = loadConfig({ env: { ...env, GATEHOUSE_LOG_LEVEL: 'info' } });
  const services = await createServices(config, { log: createLogger('info', sink) });
  const app = await buildApp(services);
  await logExternalIssuers(services);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base: address,
    env,
    services,
    app,
    logs,
    cli: (args, input) => runCli(env, args, input),
    async close() {
      await app.close();
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The JSON body (`{}` when there is none or it is not an object). */
  readonly json: Record<string, unknown>;
}

/** A nested field of a JSON answer: `at(r.json, 'api_key_details', 'id')`. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

/** `curl -X METHOD base+path -H … -d …`: the body is sent exactly as given (a string), or not at all. */
export async function curl(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    // not JSON: json stays {}
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** `gatehouse init`: the one setup step every page assumes (an operator organization and its owner). */
export function initOperator(s: SeedServer, org = 'Acme', email = 'ops@example.com'): void {
  const r = s.cli(['init', '--org', org, '--email', email, '--password-stdin'], 'operator long password\n');
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
}
