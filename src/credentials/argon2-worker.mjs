// One argon2 thread of Gatehouse's password pool (src/credentials/argon2-pool.ts). Plain
// JavaScript: a worker does not inherit the TypeScript loader the main thread registered.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

// Linux applies a nice value to one thread when given its id. A lower priority (workerData.nice
// steps below the process's own) lets the event-loop thread take the core first when both want
// it; idle cores still go to hashing.
let tid = 0;
let nice = getPriority();
try {
  tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  setPriority(tid, Math.min(19, nice + workerData.nice));
  nice = getPriority(tid);
} catch {
  // No /proc/thread-self (not Linux) or not allowed: hash at the process's priority.
}
parentPort.postMessage({ ready: true, tid, nice });

parentPort.on('message', (job) => {
  try {
    const value = job.op === 'hash' ? hashSync(job.password, job.params) : verifySync(job.hash, job.password);
    parentPort.postMessage({ id: job.id, value });
  } catch (err) {
    // argon2's own message (bad parameters, a malformed hash); never the input.
    parentPort.postMessage({ id: job.id, error: err instanceof Error ? err.message.slice(0, 200) : 'argon2 failed' });
  }
});
