import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../lib/logger.ts';
import { memoryGuardStore } from '../ratelimit/guard.ts';
import { createMemoryStore } from '../ratelimit/store.ts';
import { isGatehouseMessage, type PrimaryMessage, WORKER_ENV, type WorkerMessage } from './ipc.ts';

/** A worker that dies sooner than this after starting is replaced after a pause, not at once. */
const CRASH_LOOP_MS = 2000;
/** After this many quick deaths in a row the primary gives up (a worker that cannot start). */
const MAX_QUICK_DEATHS = 5;
/** Workers still draining this long after SIGTERM are killed. */
const DRAIN_TIMEOUT_MS = 30_000;

export interface Primary {
  /** Resolves with the shared address once every worker listens. */
  readonly listening: Promise<string>;
  /** Resolves when workers keep dying at start and the primary gave up. */
  readonly failed: Promise<void>;
  /** SIGTERM to every worker (each drains its in-flight requests), resolved when all have exited. */
  stop(): Promise<void>;
}

/**
 * The primary of `gatehouse serve --workers N`: forks N workers that share one listening port
 * (node:cluster), holds the rate-limit buckets they share when there is no Redis, relays cache
 * invalidations between them, and replaces a worker that dies.
 */
export function startPrimary(workers: number, log: Logger): Primary {
  const buckets = createMemoryStore();
  const counters = memoryGuardStore();
  const reply = (worker: Worker, m: PrimaryMessage) => {
    if (worker.isConnected()) worker.send(m);
  };
  const started = new Map<Worker, number>();
  const ready = new Set<Worker>();
  let stopping = false;
  let quickDeaths = 0;
  let giveUp: () => void = () => {};
  const failed = new Promise<void>((resolve) => {
    giveUp = resolve;
  });
  let resolveListening: (address: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    resolveListening = resolve;
  });

  const onMessage = (worker: Worker, m: unknown) => {
    if (!isGatehouseMessage(m)) return;
    const msg = m as WorkerMessage;
    if (msg.gh === 'step') {
      reply(worker, { gh: 'step', id: msg.id, step: buckets.step(msg.key, msg.policy, msg.now) });
    } else if (msg.gh === 'peek') {
      reply(worker, { gh: 'peek', id: msg.id, tat: buckets.peek(msg.key, msg.now) ?? null });
    } else if (msg.gh === 'guard') {
      // The memory store answers synchronously (its promises resolve at once), so operations stay in order.
      const op =
        msg.op === 'lockedUntil'
          ? counters.lockedUntil(msg.key, msg.now)
          : msg.op === 'fail'
            ? counters.fail(msg.key, msg.now, msg.rule)
            : counters.reset(msg.key).then(() => 0);
      void op.then((value) => reply(worker, { gh: 'guard', id: msg.id, value }));
    } else if (msg.gh === 'invalidate') {
      const relay: PrimaryMessage = { gh: 'invalidate', topic: msg.topic, id: msg.id };
      for (const w of Object.values(cluster.workers ?? {})) if (w && w !== worker && w.isConnected()) w.send(relay);
    } else if (msg.gh === 'listening') {
      ready.add(worker);
      if (ready.size === workers) resolveListening(msg.address);
    }
  };

  const fork = () => {
    const worker = cluster.fork({ [WORKER_ENV]: '1' });
    started.set(worker, Date.now());
    worker.on('message', (m: unknown) => onMessage(worker, m));
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker) ?? 0);
    started.delete(worker);
    ready.delete(worker);
    if (stopping) return;
    quickDeaths = lived < CRASH_LOOP_MS ? quickDeaths + 1 : 0;
    if (quickDeaths >= MAX_QUICK_DEATHS) {
      log.error({ worker_pid: worker.process.pid, code, signal }, `${quickDeaths} workers in a row died at start; giving up`);
      giveUp();
      return;
    }
    log.warn({ worker_pid: worker.process.pid, code, signal }, 'a worker died; starting a replacement');
    if (quickDeaths > 0) setTimeout(() => stopping || fork(), 1000);
    else fork();
  });

  for (let i = 0; i < workers; i++) fork();

  return {
    listening,
    failed,
    stop() {
      stopping = true;
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      return new Promise<void>((resolve) => {
        if (alive.length === 0) return resolve();
        let left = alive.length;
        const kill = setTimeout(() => {
          for (const w of alive) if (!w.isDead()) w.process.kill('SIGKILL');
        }, DRAIN_TIMEOUT_MS);
        for (const w of alive) {
          w.once('exit', () => {
            if (--left === 0) {
              clearTimeout(kill);
              resolve();
            }
          });
          w.process.kill('SIGTERM');
        }
      });
    },
  };
}
