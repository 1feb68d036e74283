import type { InvalidationBus } from './invalidation.ts';
import { isGatehouseMessage, isGatehouseWorker, type PrimaryMessage, sendToPrimary } from './ipc.ts';

/**
 * In a worker of `serve --workers N` without Redis: invalidations published here also go to the
 * primary, which passes them to every other worker — a revoked key is dropped from every
 * worker's cache within milliseconds. Outside a worker, `bus` unchanged.
 */
export function workerBus(bus: InvalidationBus): InvalidationBus {
  if (!isGatehouseWorker()) return bus;
  const onMessage = (m: unknown) => {
    if (!isGatehouseMessage(m) || m.gh !== 'invalidate') return;
    const msg = m as Extract<PrimaryMessage, { gh: 'invalidate' }>;
    bus.publish(msg.topic, msg.id);
  };
  process.on('message', onMessage);
  return {
    publish(topic, id) {
      bus.publish(topic, id);
      sendToPrimary({ gh: 'invalidate', topic, id });
    },
    subscribe: bus.subscribe,
    async close() {
      process.off('message', onMessage);
      await bus.close();
    },
  };
}
