import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import type { Storage } from './storage.ts';

const INT8 = 20;

/** Types for this pool only: BIGINT (epoch-ms columns, counters) as numbers, not strings. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PostgresOptions {
  /** Schema to use (created if missing); tests run each suite in its own. */
  schema?: string;
  max?: number;
}

/** Opens a PostgreSQL pool. Never logs the URL: it may hold a password. */
export function openPostgres(url: string, opts: PostgresOptions = {}): Storage {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5000,
    types,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  pool.on('error', () => {
    // An idle client died (server restart); the pool replaces it. Queries report their own errors.
  });
  // A client checked out of the pool (inside a transaction, between two of its statements) has
  // no listener of the pool's: when the server ends the connection then ("terminating
  // connection due to administrator command" on a restart, a reset socket), pg emits `error` on
  // the client itself, and an unheard `error` event ends the process. Hear it here; the client is
  // already marked unusable, its next query fails with a connection error (a clean 503), and the
  // pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  const safe = new URL(url);
  return {
    dialect: 'postgres',
    db,
    ...(opts.schema ? { schema: opts.schema } : {}),
    description: `postgres://${safe.host}${safe.pathname}${opts.schema ? `?schema=${opts.schema}` : ''}`,
    transaction: (fn) => db.transaction().execute(fn),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
