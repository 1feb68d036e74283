import { isGatehouseMessage, type PrimaryMessage, sendToPrimary, type WorkerMessage } from './ipc.ts';

/** How long a worker waits for the primary before the caller treats the shared store as down. */
const TIMEOUT_MS = 1000;

type Reply = Extract<PrimaryMessage, { id: number }>;
type Request = Extract<WorkerMessage, { id: number }>;

const pending = new Map<number, { resolve: (m: Reply) => void; timer: NodeJS.Timeout }>();
let next = 0;
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  process.on('message', (m: unknown) => {
    if (!isGatehouseMessage(m) || typeof (m as { id?: unknown }).id !== 'number') return;
    const reply = m as Reply;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    clearTimeout(p.timer);
    p.resolve(reply);
  });
}

/** Sends a request to the primary and resolves with its reply; rejects when it does not answer in time. */
export function askPrimary(request: (id: number) => Request): Promise<Reply> {
  listen();
  const id = ++next;
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the primary process did not answer'));
    }, TIMEOUT_MS);
    pending.set(id, { resolve, timer });
    if (!sendToPrimary(request(id))) {
      pending.delete(id);
      clearTimeout(timer);
      reject(new Error('no channel to the primary process'));
    }
  });
}
