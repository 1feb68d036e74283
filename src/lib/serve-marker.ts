import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The file beside an SQLite database that says which process serves it. */
export const serveMarkerPath = (dbFile: string) => `${dbFile}.serving`;

/** Marks `dbFile` as served by this process until `release` (also on a clean exit). */
export function markServing(dbFile: string): () => void {
  const path = serveMarkerPath(dbFile);
  writeFileSync(path, `${process.pid}\n`, { mode: 0o600 });
  const release = () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
  process.once('exit', release);
  return release;
}

/** The pid of a live process serving `dbFile`, if any (a marker left by a crash does not count). */
export function servingPid(dbFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(serveMarkerPath(dbFile), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
