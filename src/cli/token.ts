import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { isValidScope } from '../authorization/index.ts';
import { parseDuration } from '../config/option.ts';
import type { ApiKeyRow } from '../credentials/api-key-tables.ts';
import { keyState, renderKey } from '../credentials/api-keys/render.ts';
import { findKeysByRef, listKeys } from '../credentials/api-keys/repository.ts';
import { findMemorySpace } from '../identity/memory-spaces.ts';
import { normalizeName } from '../identity/normalize.ts';
import type { Services } from '../services.ts';
import { CliError, output, withServices } from './context.ts';

interface AddOptions {
  description?: string;
  name?: string;
  expiresDays?: string;
  scopes?: string;
  org?: string;
  memorySpace?: string[];
  env?: string;
}

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

async function organizationFor(s: Services, slug: string | undefined): Promise<string> {
  const orgs = await s.storage.db.selectFrom('organizations').select(['id', 'slug']).orderBy('created_at').execute();
  if (slug !== undefined) {
    const org = orgs.find((o) => o.slug === slug || o.id === slug);
    if (!org)
      throw new CliError(`no organization "${slug}"; organizations: ${orgs.map((o) => o.slug).join(', ') || '(none: run gatehouse init)'}`);
    return org.id;
  }
  const [only, ...rest] = orgs;
  if (!only) throw new CliError('no organization yet: run gatehouse init first');
  if (rest.length > 0) throw new CliError(`several organizations; pick one with --org: ${orgs.map((o) => o.slug).join(', ')}`);
  return only.id;
}

/** Finds one key by id, unique id prefix, or unique prefix of its hash; lists candidates when ambiguous. */
async function findOne(s: Services, ref: string): Promise<ApiKeyRow> {
  if (ref.length < 4) throw new CliError('give at least 4 characters of the key id or hash');
  const matches = await findKeysByRef(s.storage.db, ref, 20);
  const [one, ...more] = matches;
  if (!one) throw new CliError(`no API key matches "${ref}"`);
  if (more.length > 0) {
    const list = matches.map((k) => `  ${k.id}  ${k.display_prefix}…${k.last_four}  ${k.name}`).join('\n');
    throw new CliError(`"${ref}" is ambiguous; candidates${matches.length === 20 ? ' (first 20)' : ''}:\n${list}`);
  }
  return one;
}

function addKey(program: Command, name: string, description: string): void {
  program
    .command(name)
    .description(description)
    .option('--description <text>', 'what the key is for')
    .option('--name <name>', 'short name (default: the description)')
    .option('--expires-days <n>', 'expire after N days (default: never)')
    .option('--scopes <list>', 'comma-separated scopes (default: *)')
    .option('--org <slug>', 'organization (required when there are several)')
    .option('--memory-space <name>', 'bind to a memory space (repeatable; default: every space)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option('--env <env>', 'live or test (default: the deployment environment)')
    .action(async (opts: AddOptions, cmd: Command) => {
      const label = opts.name ?? opts.description;
      if (!label) throw new CliError('give --description or --name');
      normalizeName(label, opts.name !== undefined ? '--name' : '--description (the default name)');
      const days = opts.expiresDays === undefined ? undefined : Number(opts.expiresDays);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650))
        throw new CliError('--expires-days must be a whole number from 1 to 3650');
      const scopes = (opts.scopes ?? '*')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const bad = scopes.find((x) => !isValidScope(x));
      if (bad !== undefined || scopes.length === 0) throw new CliError(`invalid scope "${bad ?? ''}"`);
      if (opts.env !== undefined && opts.env !== 'live' && opts.env !== 'test') throw new CliError('--env must be live or test');
      await withServices(cmd, async (s) => {
        const organizationId = await organizationFor(s, opts.org);
        let spaces: string[] | '*' = '*';
        if (opts.memorySpace !== undefined) {
          spaces = [];
          for (const ref of opts.memorySpace) {
            const space = await findMemorySpace(s.storage.db, organizationId, ref);
            if (!space) throw new CliError(`no memory space "${ref}" in this organization`);
            if (!spaces.includes(space.name)) spaces.push(space.name);
          }
        }
        const now = s.clock.now();
        const { row, key } = await s.apiKeys.create({
          organizationId,
          createdBy: null,
          name: label,
          description: opts.description ?? '',
          scopes,
          memorySpaces: spaces,
          ...(opts.env !== undefined ? { environment: opts.env as 'live' | 'test' } : {}),
          expiresAt: days === undefined ? null : now + days * 86_400_000,
        });
        s.audit.record({
          action: 'api_key.created',
          outcome: 'success',
          organizationId,
          actor: { type: 'system', id: null },
          target: { type: 'api_key', id: row.id },
        });
        output(cmd, { ...renderKey(row, now), key }, () => `${key}\n\nid: ${row.id}\nThis key is shown once. Store it now.`);
      });
    });
}

/** `gatehouse token …` and `gatehouse auth create-key`: API keys on the configured storage. */
export function registerToken(program: Command): void {
  const token = program.command('token').description('manage API keys (tokens) directly on the configured storage');
  addKey(token, 'add', 'create an API key and print it once');

  token
    .command('list')
    .description('list API keys (masked)')
    .option('--org <slug>', 'only this organization')
    .action(async (opts: { org?: string }, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const now = s.clock.now();
        const orgId = opts.org !== undefined ? await organizationFor(s, opts.org) : undefined;
        const rows = await listKeys(s.storage.db, { now, ...(orgId ? { organizationId: orgId } : {}) }, 100_000);
        output(
          cmd,
          rows.map((r) => renderKey(r, now)),
          () =>
            [
              ['ID', 'KEY', 'DESCRIPTION', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'].join('\t'),
              ...rows.map((r) =>
                [
                  r.id,
                  `${r.display_prefix}…${r.last_four}`,
                  r.description || r.name,
                  (JSON.parse(r.scopes) as string[]).join(','),
                  when(r.created_at),
                  when(r.expires_at),
                  when(r.last_used_at),
                  keyState(r, now),
                ].join('\t'),
              ),
            ].join('\n'),
        );
      });
    });

  token
    .command('show <ref>')
    .description('show one key by id, or a unique prefix of its id or hash')
    .action(async (ref: string, _opts, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const view = renderKey(await findOne(s, ref), s.clock.now());
        output(cmd, view, () =>
          Object.entries(view)
            .map(([k, v]) => `${k.padEnd(15)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
            .join('\n'),
        );
      });
    });

  token
    .command('remove <ref>')
    .description('revoke a key (asks for confirmation)')
    .option('--force', 'do not ask')
    .action(async (ref: string, opts: { force?: boolean }, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const row = await findOne(s, ref);
        if (!opts.force) {
          if (!process.stdin.isTTY) throw new CliError('refusing to remove without confirmation; pass --force');
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(`Revoke ${row.id} (${row.name})? [y/N] `);
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not removed');
        }
        const revoked = await s.apiKeys.revoke(undefined, row.id);
        s.audit.record({
          action: 'api_key.revoked',
          outcome: 'success',
          organizationId: row.organization_id,
          actor: { type: 'system', id: null },
          target: { type: 'api_key', id: row.id },
        });
        output(cmd, renderKey(revoked, s.clock.now()), () => `revoked ${row.id}`);
      });
    });

  token
    .command('rotate <ref>')
    .description('replace a key with a new one; the old one keeps working for the grace period')
    .option('--grace <duration>', 'how long the old key keeps working (e.g. 0, 90s, 24h, 7d)', '0')
    .action(async (ref: string, opts: { grace: string }, cmd: Command) => {
      let grace: number;
      try {
        grace = Math.round(parseDuration(opts.grace));
      } catch (err) {
        throw new CliError(`--grace: ${(err as Error).message}`);
      }
      if (grace > 30 * 86_400) throw new CliError('--grace is at most 30d');
      await withServices(cmd, async (s) => {
        const row = await findOne(s, ref);
        const { row: next, key } = await s.apiKeys.rotate(undefined, row.id, grace);
        s.audit.record({
          action: 'api_key.rotated',
          outcome: 'success',
          organizationId: row.organization_id,
          actor: { type: 'system', id: null },
          target: { type: 'api_key', id: row.id },
        });
        output(
          cmd,
          { ...renderKey(next, s.clock.now()), key },
          () =>
            `${key}\n\nid: ${next.id} (replaces ${row.id}, which works until ${when(s.clock.now() + grace * 1000)})\nThis key is shown once. Store it now.`,
        );
      });
    });

  const auth = program.command('auth').description('authentication helpers');
  addKey(auth, 'create-key', 'create an API key (same as token add)');
}
