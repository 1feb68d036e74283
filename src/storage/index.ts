export { compareAndSet, consumeOnce, guardedIncrement } from './atomic.ts';
export type { Database } from './database.ts';
export { isConnectionError, isUniqueViolation, violatedConstraint } from './errors.ts';
export { migrateToLatest, migrationNames } from './migrate.ts';
export { openStorage } from './open.ts';
export type { Db, Dialect, Storage } from './storage.ts';
