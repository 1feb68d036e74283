import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

/** A PostgreSQL of the test's own: initdb into a temp dir, its own port; never the machine's shared one. */
export interface PrivatePostgres {
  readonly url: string;
  stop(): void;
  start(): void;
  /** A fast shutdown and a start: committed transactions survive, connections are cut. Async, so load keeps running. */
  restart(): Promise<void>;
  dispose(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error('no PostgreSQL binaries under /usr/lib/postgresql/*/bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'gh-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  // initdb refuses root: run the server as the postgres OS user then.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const pgUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const pgGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, pgUid, pgGid);
  }
  const run = (cmd: string, args: readonly string[]) =>
    execFileSync(asRoot ? 'runuser' : join(bin, cmd), asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : [...args], {
      stdio: 'pipe',
      encoding: 'utf8',
    });
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const opts = `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () => void run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const stop = () => void run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  start();
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'gatehouse']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/gatehouse`,
    start,
    stop,
    async restart() {
      const exec = promisify(execFile);
      const argv = (cmd: string, args: readonly string[]): [string, string[]] =>
        asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), [...args]];
      await exec(...argv('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']));
      // Down for a moment, as a real restart is: requests in flight meet a refused connection.
      await new Promise((r) => setTimeout(r, 500));
      await exec(...argv('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']));
    },
    dispose() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
