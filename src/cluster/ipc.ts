import cluster from 'node:cluster';
import type { Policy, Step } from '../ratelimit/gcra.ts';
import type { GuardRule } from '../ratelimit/guard.ts';
import type { InvalidationTopic } from './invalidation.ts';

/** Messages between `gatehouse serve --workers N` and its workers. All carry `gh` to tell them from others. */
export type WorkerMessage =
  | { readonly gh: 'listening'; readonly address: string }
  | { readonly gh: 'step'; readonly id: number; readonly key: string; readonly policy: Policy; readonly now: number }
  | { readonly gh: 'peek'; readonly id: number; readonly key: string; readonly now: number }
  | GuardRequest
  | { readonly gh: 'invalidate'; readonly topic: InvalidationTopic; readonly id: string };

/** One operation on the brute-force counters the primary holds. */
export type GuardRequest =
  | { readonly gh: 'guard'; readonly id: number; readonly op: 'lockedUntil'; readonly key: string; readonly now: number }
  | { readonly gh: 'guard'; readonly id: number; readonly op: 'fail'; readonly key: string; readonly now: number; readonly rule: GuardRule }
  | { readonly gh: 'guard'; readonly id: number; readonly op: 'reset'; readonly key: string };

export type PrimaryMessage =
  | { readonly gh: 'step'; readonly id: number; readonly step: Step }
  | { readonly gh: 'peek'; readonly id: number; readonly tat: number | null }
  | { readonly gh: 'guard'; readonly id: number; readonly value: number }
  | { readonly gh: 'invalidate'; readonly topic: InvalidationTopic; readonly id: string };

/** Set by the primary in each worker's environment (outside `GATEHOUSE_*`, which holds options only). */
export const WORKER_ENV = 'GH_SERVE_WORKER';

/** True in a worker process of `gatehouse serve --workers N`. */
export function isGatehouseWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1' && typeof process.send === 'function';
}

export function isGatehouseMessage(m: unknown): m is { gh: string } {
  return typeof m === 'object' && m !== null && typeof (m as { gh?: unknown }).gh === 'string';
}

/** Sends to the primary; false when the channel is gone (the primary died or is shutting down). */
export function sendToPrimary(message: WorkerMessage): boolean {
  if (!process.connected || !process.send) return false;
  try {
    return process.send(message);
  } catch {
    return false;
  }
}
