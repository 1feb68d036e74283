/** Helpers shared by the benches that write docs/benchmarks.md: machine facts and section replacement. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

export const BENCHMARKS_MD = join(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md');

/** "2 × AMD EPYC, 24 GiB RAM, linux 6.x, Node v20.x" */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

/**
 * Replaces the `## heading` section of docs/benchmarks.md (up to the next `## `) with `section`,
 * or appends it; every other section is kept as it is.
 */
export function writeSection(heading: string, section: string, path = BENCHMARKS_MD): void {
  const current = existsSync(path)
    ? readFileSync(path, 'utf8')
    : '# Benchmarks\n\nFigures from the benches in `bench/`. Re-run them on your hardware.\n';
  const marker = `\n## ${heading}\n`;
  const start = current.indexOf(marker);
  let next: string;
  if (start === -1) next = `${current.trimEnd()}\n\n${section.trim()}\n`;
  else {
    const end = current.indexOf('\n## ', start + 1);
    next = `${current.slice(0, start + 1)}${section.trim()}\n${end === -1 ? '' : `\n${current.slice(end + 1)}`}`;
  }
  writeFileSync(path, `${next.trimEnd()}\n`);
}
