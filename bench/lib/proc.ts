/**
 * Processes for `npm run bench`: servers under test (each in its own process, announcing itself
 * with one JSON line on stdout) and the load generator (bench/lib/loadgen.ts, its own process).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult, LoadSpec } from './loadgen.ts';

export interface Running<T> {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ready: T;
  readonly base: string;
}

const ROOT = join(import.meta.dirname, '..', '..');
const started: ChildProcess[] = [];

/**
 * Servers under test run on CPU 0, load generators (and this harness) on CPU 1, so figures do not
 * depend on how the scheduler shares cores between them. `BENCH_PIN=off`, or a machine without
 * `taskset` or with one core, runs unpinned.
 */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;
const pinning = process.env.BENCH_PIN !== 'off' && availableParallelism() >= 2 && hasTaskset();

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of a process to one CPU (threads it starts later inherit it). */
export function pin(pid: number | undefined, cpu: number): void {
  if (!pinning || pid === undefined) return;
  try {
    execFileSync('taskset', ['-a', '-c', '-p', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    // The process is gone already; its start will report that.
  }
}

/** Whether this run pins (for the report). */
export const pinned = pinning;
pin(process.pid, LOAD_CPU);

/** Starts `node [--import tsx] script` and resolves with its ready line (the first JSON line with a port). */
export function startServer<T extends { port: number; pid: number }>(
  name: string,
  script: string,
  env: Record<string, string> = {},
  timeoutMs = 180_000,
): Promise<Running<T>> {
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  pin(child.pid, SERVER_CPU);
  let errText = '';
  child.stderr?.on('data', (c: Buffer) => {
    errText = `${errText}${c.toString('utf8')}`.slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no ready line after ${timeoutMs} ms\n${errText}`)), timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString('utf8');
      for (const line of out.split('\n').slice(0, -1)) {
        if (!line.startsWith('{')) continue;
        const ready = JSON.parse(line) as T;
        if (typeof ready.port !== 'number') continue;
        clearTimeout(timer);
        pin(child.pid, SERVER_CPU); // again: threads started before the first pin took
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ name, child, pid: ready.pid, ready, base: `http://127.0.0.1:${ready.port}` });
        return;
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready\n${errText}`));
    });
  });
}

/** Sends SIGTERM to every server this process started (only those). */
export function stopServers(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

/** Resident set size of a process, MiB (0 once it is gone). */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, in clock ticks (1/100 s on Linux). */
export function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Waits (at most `maxMs`) until the given process(es) together use less than ~20% of a core, so one
 * run's tail (a queued backlog, GC) never leaks into the next run of any server.
 */
export async function waitIdle(pid: number | readonly number[], maxMs = 5_000): Promise<void> {
  const pids = typeof pid === 'number' ? [pid] : pid;
  const ticks = () => pids.reduce((a, p) => a + cpuTicks(p), 0);
  const until = Date.now() + maxMs;
  let last = ticks();
  while (Date.now() < until) {
    await sleep(200);
    const now = ticks();
    if (now - last <= (pids.length === 1 ? 2 : 4)) return;
    last = now;
  }
}

const workers: ChildProcess[] = [];
const pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
let sequence = 0;

function worker(lane: number): ChildProcess {
  const existing = workers[lane];
  if (existing) return existing;
  const child = fork(join(ROOT, 'bench', 'lib', 'loadgen.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.on('message', (m: { id: number; result?: LoadResult; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.result) p?.resolve(m.result);
    else p?.reject(new Error(m.error ?? 'load generator failed'));
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`load generator exited with ${code}`));
    pending.clear();
  });
  workers[lane] = child;
  started.push(child);
  pin(child.pid, LOAD_CPU);
  return child;
}

/** One autocannon run in a load-generator process (`lane` 0 or 1: two loads can run at once). */
export function runLoad(spec: LoadSpec, lane = 0): Promise<LoadResult> {
  const id = ++sequence;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker(lane).send({ id, spec });
  });
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
