import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** argon2id parameters, as `@node-rs/argon2` takes them. */
export interface Argon2Params {
  readonly algorithm: number;
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

type Job =
  | { readonly op: 'hash'; readonly password: string; readonly params: Argon2Params }
  | { readonly op: 'verify'; readonly hash: string; readonly password: string };

interface Pending {
  readonly job: Job;
  resolve(value: string | boolean): void;
  reject(err: Error): void;
}

interface Thread {
  readonly worker: Worker;
  /** The job it runs now, if any. */
  current: (Pending & { readonly id: number }) | undefined;
  /** What it said of itself when it started (its first message). */
  info: Argon2ThreadInfo | undefined;
}

/** What a thread of the pool says of itself once started: its Linux thread id (0 elsewhere) and its nice value. */
export interface Argon2ThreadInfo {
  readonly tid: number;
  readonly nice: number;
}

/**
 * How many nice steps the hashing threads run below the process (up to 19). Measured with the
 * server on one core, 50 connections on a key-protected route and 10 more logging in (4 rounds,
 * paired with the libuv pool this replaced): on libuv, the route's p99 doubled (2.0–2.1× its
 * quiet p99) and its throughput halved, at 18 logins/s; at 5 steps its p99 did not move (0.92×),
 * it kept 80% of its throughput, at 8.5 logins/s; at 10 steps 0.89×, 95%, 3.5 logins/s. Five
 * keeps requests fast without starving logins. An idle core still goes to hashing at full
 * speed: the priority only decides who waits when both want the same core.
 */
export const ARGON2_NICE = 5;

/** At most this many hashing threads however many cores there are: libuv's pool, which did this work before, had four. */
const MAX_THREADS = 4;

/**
 * argon2 off the event loop on threads of its own, one fewer than there are cores (at least one,
 * at most four), at a lower CPU priority than the thread that serves requests. A burst of logins
 * then queues here instead of taking the core a key-protected request needs.
 *
 * libuv's pool (where `@node-rs/argon2`'s async calls run) cannot be given a priority and is
 * shared with file and DNS work; these threads can. Started on first use; they do not keep the
 * process alive while idle.
 */
export function argon2Pool(size = Math.min(MAX_THREADS, Math.max(1, availableParallelism() - 1))) {
  const threads: Thread[] = [];
  const queue: Pending[] = [];
  let nextId = 1;

  function start(): Thread {
    const worker = new Worker(new URL('./argon2-worker.mjs', import.meta.url), {
      workerData: { nice: ARGON2_NICE },
      // Plain JavaScript: no loader to inherit from the parent's flags.
      execArgv: [],
    });
    const thread: Thread = { worker, current: undefined, info: undefined };
    worker.unref();
    worker.on('message', (msg: { id?: number; value?: string | boolean; error?: string; ready?: true } & Partial<Argon2ThreadInfo>) => {
      if (msg.ready) {
        thread.info = { tid: msg.tid ?? 0, nice: msg.nice ?? 0 };
        return;
      }
      const current = thread.current;
      if (msg.id === undefined || !current || current.id !== msg.id) return;
      thread.current = undefined;
      worker.unref();
      if (msg.error !== undefined) current.reject(new Error(`argon2: ${msg.error}`));
      else if (msg.value !== undefined) current.resolve(msg.value);
      else current.reject(new Error('argon2: an empty answer'));
      pump();
    });
    const lost = (err: Error) => {
      const i = threads.indexOf(thread);
      if (i >= 0) threads.splice(i, 1);
      thread.current?.reject(err);
      thread.current = undefined;
      pump();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`argon2 thread exited (${code})`)));
    threads.push(thread);
    return thread;
  }

  function pump(): void {
    while (queue.length > 0) {
      const idle = threads.find((t) => t.current === undefined) ?? (threads.length < size ? start() : undefined);
      if (!idle) return;
      const next = queue.shift();
      if (!next) return;
      const id = nextId++;
      idle.current = { ...next, id };
      // Busy threads keep the process alive (a CLI waiting for its hash); idle ones do not.
      idle.worker.ref();
      idle.worker.postMessage({ id, ...next.job });
    }
  }

  function run(job: Job): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      queue.push({ job, resolve, reject });
      pump();
    });
  }

  return {
    async hash(password: string, params: Argon2Params): Promise<string> {
      const value = await run({ op: 'hash', password, params });
      if (typeof value !== 'string') throw new Error('argon2: hash answered a boolean');
      return value;
    },
    async verify(hash: string, password: string): Promise<boolean> {
      return (await run({ op: 'verify', hash, password })) === true;
    },
    /** What each running thread said of itself (tests read their priority). */
    threads: (): Argon2ThreadInfo[] => threads.flatMap((t) => (t.info ? [t.info] : [])),
  };
}
