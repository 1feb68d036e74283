import { boolean, duration, string } from '../option.ts';

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
  changeFeedPollInterval: duration({
    doc: 'How often a server reads the change feed, the table through which a revocation made by another process (a CLI run, another node) reaches its caches. Keep it well under 1 s: that is the promised revocation delay. With `redisUrl`, Redis pub/sub is faster still; the feed remains the durable path.',
    default: 0.25,
    min: 0.02,
    max: 1,
  }),
} as const;
