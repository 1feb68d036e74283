import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The storage contract every module builds on: a Kysely handle over one of two dialects, plus
 * the atomic primitives in `atomic.ts`. Modules reach tables only through their own repository
 * functions, which take a `Db` (the handle or a transaction).
 */
export interface Storage {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Resolves when storage answers a trivial query. */
  ping(): Promise<void>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
  /** A human description without credentials, e.g. `sqlite:./data/gatehouse.db`. */
  readonly description: string;
  /** PostgreSQL schema the tables live in, when not the default search path. */
  readonly schema?: string;
}

/** Either the root handle or a transaction. */
export type Db = Kysely<Database>;
