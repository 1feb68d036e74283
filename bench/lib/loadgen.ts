/**
 * The load generator, always in its own process: forked by bench/lib/proc.ts (one load per IPC
 * message, so no start-up cost per run) or `node --import tsx bench/lib/loadgen.ts '<json>'`.
 * autocannon's API with the given request, or one distinct bearer token per request taken in turn
 * from a file (the fresh-token scenario).
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** One token a line: each request sends `authorization: Bearer <next token>`. */
  tokensFile?: string;
  /** Seconds before a request counts as timed out. */
  timeout?: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Completed responses (any status). */
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

/** Runs one load with autocannon; requests per second are completed responses over the run's duration. */
export function load(spec: LoadSpec): Promise<LoadResult> {
  const tokens = spec.tokensFile ? readFileSync(spec.tokensFile, 'utf8').split('\n').filter(Boolean) : [];
  let next = Math.floor(Math.random() * Math.max(tokens.length, 1));
  const statuses: Record<string, number> = {};
  const options: autocannon.Options = {
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    connections: spec.connections,
    duration: spec.duration,
    timeout: spec.timeout ?? 10,
    ...(tokens.length > 0
      ? {
          requests: [
            {
              setupRequest: (req: autocannon.Request) => {
                const token = tokens[next++ % tokens.length] ?? '';
                return { ...req, headers: { ...(req.headers ?? {}), authorization: `Bearer ${token}` } };
              },
            },
          ],
        }
      : {}),
  };
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(options, (err, r) => {
      if (err) return reject(err);
      resolve({
        rps: r.duration > 0 ? r.requests.total / r.duration : 0,
        p50: r.latency.p50,
        p99: r.latency.p99,
        total: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        statuses,
      });
    });
    instance.on('response', (_client, statusCode) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}

// As a forked worker (bench/lib/proc.ts): one load per message. From the command line: one load, one JSON line.
const send = process.send?.bind(process);
if (send) {
  process.on('message', (message: { id: number; spec: LoadSpec }) => {
    void load(message.spec).then(
      (result) => send({ id: message.id, result }),
      (err: unknown) => send({ id: message.id, error: String(err) }),
    );
  });
} else if (process.argv[2]) {
  process.stdout.write(`${JSON.stringify(await load(JSON.parse(process.argv[2]) as LoadSpec))}\n`);
}
