import { boolean, string } from '../option.ts';

export const storageOptions = {
  databaseUrl: string<string>({
    doc: 'Where records live: `postgres://…` for PostgreSQL, or `sqlite:PATH` (a file path also works) for the embedded SQLite database.',
    default: (p) => `sqlite:${String(p.dataDir)}/gatehouse.db`,
    defaultDoc: '`sqlite:{dataDir}/gatehouse.db`',
    aliases: ['DATABASE_URL'],
    secret: true,
    minLength: 1,
  }),
  autoMigrate: boolean({ doc: 'Apply pending migrations when the server starts.', default: true }),
  redisUrl: string<string | undefined>({
    doc: 'Redis for shared rate limits, denylists and cache invalidation across nodes (`redis://…`). Unset: everything stays in this process.',
    default: undefined,
    secret: true,
    pattern: /^rediss?:\/\//,
    patternDoc: 'a redis:// or rediss:// URL',
  }),
} as const;
