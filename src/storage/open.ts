import { resolve } from 'node:path';
import { openPostgres, type PostgresOptions } from './postgres.ts';
import { openSqlite } from './sqlite.ts';
import type { Storage } from './storage.ts';

/** Opens storage from a `databaseUrl`: `postgres://…`, `sqlite:PATH`, `sqlite::memory:` or a path. */
export function openStorage(databaseUrl: string, pgOptions?: PostgresOptions): Storage {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres(databaseUrl, pgOptions);
  const path = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : databaseUrl;
  return openSqlite(path === ':memory:' ? path : resolve(path));
}
