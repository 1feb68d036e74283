import { type ChildProcess, spawn } from 'node:child_process';

/** A `gatehouse serve` subprocess on a free port. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Every JSON log line it wrote to stdout. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with its `http://host:port` once listening. */
  readonly ready: Promise<string>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `gatehouse serve [args]` with exactly `env` (plus `GATEHOUSE_PORT=0` unless given). */
export function startServer(env: Readonly<Record<string, string>>, args: readonly string[] = []): ServerProcess {
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'serve', ...args], {
    env: { GATEHOUSE_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i = buf.indexOf('\n');
      while (i !== -1) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        lines.push(line);
        if (typeof line.address === 'string') resolve(line.address);
      }
    });
    void exited.then((code) => reject(new Error(`serve exited early with ${code}: ${stderr.slice(-2000)}`)));
  });
  ready.catch(() => {});
  return {
    child,
    lines,
    ready,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
