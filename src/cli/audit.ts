import type { Command } from 'commander';

/** `gatehouse audit …` commands (owned by their module). */
export function registerAudit(_program: Command): void {}
