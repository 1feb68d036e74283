import { type ChildProcess, spawn } from 'node:child_process';
import { recordLogLine } from './secrets-watch.ts';

/** A `gatehouse serve` running as its own process. */
export interface ServerProcess {
  /** `http://127.0.0.1:PORT` */
  readonly address: string;
  readonly child: ChildProcess;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `gatehouse serve` as a subprocess with exactly `env` (plus port 0 and info logs, whose
 * "listening" line tells the address). Every log line goes to the suite-wide secret scan.
 */
export function startServer(env: Readonly<Record<string, string>>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'serve'], {
    env: { ...env, GATEHOUSE_PORT: '0', GATEHOUSE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise<ServerProcess>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        recordLogLine(line);
        const parsed = JSON.parse(line) as { address?: unknown };
        if (typeof parsed.address === 'string') {
          resolve({
            address: parsed.address,
            child,
            async stop() {
              if (child.exitCode === null) child.kill('SIGTERM');
              await exited;
            },
          });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stderr.slice(0, 500)}`)));
  });
}

/**
 * Calls `probe` every 50 ms until it answers true; resolves to the milliseconds that took, or
 * rejects after `limitMs` (the test then fails with how long it waited).
 */
export async function msUntil(probe: () => Promise<boolean>, limitMs = 5_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    const spent = performance.now() - start;
    if (spent > limitMs) throw new Error(`still not true after ${Math.round(spent)} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
