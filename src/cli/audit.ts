import type { Command } from 'commander';
import { followEvents } from '../audit/follow.ts';
import { renderEvent } from '../audit/render.ts';
import { type EventFilter, listEvents } from '../audit/repository.ts';
import type { AuditEventRow } from '../audit/tables.ts';
import { parseDuration } from '../config/option.ts';
import type { Services } from '../services.ts';
import { CliError, type GlobalOptions, withServices } from './context.ts';

interface ListOptions {
  since?: string;
  until?: string;
  action?: string;
  actor?: string;
  target?: string;
  outcome?: string;
  org?: string;
  limit: string;
  follow?: boolean;
  interval: string;
}

const OUTCOMES = ['success', 'failure', 'denied'] as const;

/** `1h`, `7d`, `90s` ago, or an ISO date-time. */
export function parseWhen(value: string, now: number, flag: string): number {
  if (/^\d/.test(value) && !/[-T:]/.test(value)) {
    try {
      return now - Math.round(parseDuration(value) * 1000);
    } catch {
      // not a duration: try a date below
    }
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new CliError(`${flag} takes a duration ago (90s, 15m, 1h, 7d) or a date-time (2026-01-31T12:00:00Z)`);
  return ms;
}

async function organizationId(s: Services, ref: string | undefined): Promise<string | undefined> {
  if (ref === undefined) return undefined;
  const org = await s.storage.db
    .selectFrom('organizations')
    .select('id')
    .where((eb) => eb.or([eb('slug', '=', ref), eb('id', '=', ref)]))
    .executeTakeFirst();
  if (!org) throw new CliError(`no organization "${ref}"`);
  return org.id;
}

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One event as a line of the human listing (tab-separated). */
function line(e: AuditEventRow): string {
  return [
    when(e.occurred_at),
    e.organization_id ?? '-',
    `${e.actor_type}${e.actor_id ? `:${e.actor_id}` : ''}`,
    e.action,
    e.outcome,
    e.target_type || e.target_id ? `${e.target_type ?? '?'}:${e.target_id ?? '?'}` : '-',
    e.ip ?? '-',
    e.details === '{}' ? '' : e.details,
  ].join('\t');
}

const HEADER = ['TIME', 'ORGANIZATION', 'ACTOR', 'ACTION', 'OUTCOME', 'TARGET', 'IP', 'DETAILS'].join('\t');

/** `gatehouse audit …`: the audit trail on the configured storage. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('read the audit trail on the configured storage');

  audit
    .command('list')
    .description('list audit events, oldest first (the most recent --limit of them)')
    .option('--since <when>', 'only events since a duration ago (90s, 15m, 1h, 7d) or a date-time')
    .option('--until <when>', 'only events before a duration ago or a date-time')
    .option('--action <name>', 'an action, or a prefix ending in * (auth.login.*)')
    .option('--actor <id>', 'only events by this actor id (usr_…, key_…, cli_…)')
    .option('--target <id>', 'only events on this target id')
    .option('--outcome <outcome>', 'success, failure or denied')
    .option('--org <slug>', 'only this organization (id or slug)')
    .option('--limit <n>', 'at most this many events (1-10000)', '100')
    .option('-f, --follow', 'keep printing new events until interrupted (with --json: one JSON object per line)')
    .option('--interval <duration>', 'how often --follow polls', '1s')
    .action(async (opts: ListOptions, cmd: Command) => {
      const json = cmd.optsWithGlobals<GlobalOptions>().json === true;
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new CliError('--limit must be a whole number from 1 to 10000');
      if (opts.outcome !== undefined && !(OUTCOMES as readonly string[]).includes(opts.outcome))
        throw new CliError('--outcome must be success, failure or denied');
      if (opts.action !== undefined && !/^[A-Za-z0-9_.:-]{0,100}\*?$/.test(opts.action))
        throw new CliError('--action takes an action name, or a prefix ending in *');
      if (opts.follow && opts.until !== undefined) throw new CliError('--follow and --until do not go together');
      // Validate times before opening storage; they are computed against the services' clock below.
      if (opts.since !== undefined) parseWhen(opts.since, 0, '--since');
      if (opts.until !== undefined) parseWhen(opts.until, 0, '--until');
      let intervalMs: number;
      try {
        intervalMs = Math.max(50, Math.round(parseDuration(opts.interval) * 1000));
      } catch (err) {
        throw new CliError(`--interval: ${(err as Error).message}`);
      }

      await withServices(cmd, async (s) => {
        const now = s.clock.now();
        const since = opts.since !== undefined ? parseWhen(opts.since, now, '--since') : undefined;
        const until = opts.until !== undefined ? parseWhen(opts.until, now, '--until') : undefined;
        const orgId = await organizationId(s, opts.org);
        const filter: EventFilter = {
          ...(orgId !== undefined ? { organizationId: orgId } : {}),
          ...(opts.action !== undefined ? { action: opts.action } : {}),
          ...(opts.actor !== undefined ? { actorId: opts.actor } : {}),
          ...(opts.target !== undefined ? { targetId: opts.target } : {}),
          ...(opts.outcome !== undefined ? { outcome: opts.outcome as AuditEventRow['outcome'] } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
        };
        const rows = (await listEvents(s.storage.db, filter, limit)).slice(0, limit).reverse();
        const print = (text: string) => process.stdout.write(`${text}\n`);

        if (!opts.follow) {
          if (json) print(JSON.stringify(rows.map(renderEvent), null, 2));
          else print([HEADER, ...rows.map(line)].join('\n'));
          return;
        }

        if (!json) print(HEADER);
        const show = (row: AuditEventRow) => print(json ? JSON.stringify(renderEvent(row)) : line(row));
        for (const row of rows) show(row);
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await followEvents(s.storage.db, { filter, from: since ?? now, intervalMs, seen: rows, stopped, onEvent: show });
      });
    });
}
