import { readdirSync } from 'node:fs';
import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
import type { Storage } from './storage.ts';

const DIR = new URL('./migrations/', import.meta.url);

/** The names of the migrations this version ships (`0001_identity`, …), in order. */
export function migrationNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.(ts|js)$/.test(f))
    .sort()
    .map((f) => f.replace(/\.(ts|js)$/, ''));
}

/** Every file `migrations/NNNN_name.ts`, in name order. One set for both dialects. */
class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    const files = readdirSync(DIR)
      .filter((f) => /^\d{4}_[a-z0-9_]+\.(ts|js)$/.test(f))
      .sort();
    for (const file of files) {
      const mod = (await import(new URL(file, DIR).href)) as Migration;
      out[file.replace(/\.(ts|js)$/, '')] = mod;
    }
    return out;
  }
}

/** Applies pending migrations; throws with the failing migration's name on error. */
export async function migrateToLatest(storage: Storage): Promise<string[]> {
  const migrator = new Migrator({
    db: storage.db,
    provider: new FolderProvider(),
    // Migrations are independent tables; a database that ran 0006 before 0005 existed (or a
    // branch merged later) applies the missing one instead of refusing to start.
    allowUnorderedMigrations: true,
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    const what = failed ? `migration ${failed.migrationName} failed` : 'migrations could not run';
    throw new Error(`${what}: ${reason}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
