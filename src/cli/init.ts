import type { Command } from 'commander';
import { assertPasswordAllowed } from '../credentials/password-policy.ts';
import { GatehouseError } from '../errors/index.ts';
import { EMAIL_PATTERN, normalizeEmail, normalizeName, SLUG_PATTERN } from '../identity/normalize.ts';
import { countUsers } from '../identity/organizations.ts';
import { registerOrganization } from '../identity/register.ts';
import { CliError, output, withServices } from './context.ts';
import { promptSecret, readStdin } from './prompt.ts';

/** The same rules as the HTTP API's schemas. */
const SLUG = new RegExp(SLUG_PATTERN, 'u');
const EMAIL = new RegExp(EMAIL_PATTERN, 'u');

function slugOf(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

interface InitOptions {
  org: string;
  email: string;
  name?: string;
  slug?: string;
  passwordStdin?: boolean;
}

/** `gatehouse init`: the first organization and its owner, on an empty database only. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create the first organization and its owner (on an empty database)')
    .requiredOption('--org <name>', 'organization name')
    .requiredOption('--email <email>', "owner's email")
    .option('--name <name>', "owner's display name (default: the email's local part)")
    .option('--slug <slug>', 'organization slug (default: derived from the name)')
    .option('--password-stdin', 'read the password from standard input instead of prompting')
    .action(async (opts: InitOptions, cmd: Command) => {
      const slug = opts.slug ?? slugOf(opts.org);
      if (!SLUG.test(slug))
        throw new CliError(`invalid slug "${slug}": 2-63 of a-z, 0-9 and -, starting with a letter or digit (use --slug)`);
      if (!EMAIL.test(opts.email)) throw new CliError(`invalid email ${JSON.stringify(opts.email)}`);
      normalizeName(opts.org, '--org');
      if (opts.name !== undefined) normalizeName(opts.name, '--name');
      const password = opts.passwordStdin ? await readStdin() : await promptSecret('Password for the owner: ');
      const name = opts.name ?? normalizeEmail(opts.email).split('@')[0] ?? opts.email;
      try {
        await assertPasswordAllowed(password, { email: opts.email, name, organizationName: opts.org, organizationSlug: slug });
      } catch (err) {
        if (err instanceof GatehouseError) throw new CliError(err.detail);
        throw err;
      }
      await withServices(cmd, async (s) => {
        if ((await countUsers(s.storage.db)) > 0) {
          throw new CliError(
            'the database already has users; `gatehouse init` only sets up an empty one (log in, or register a new organization)',
          );
        }
        const { organization, user } = await registerOrganization(
          s.storage,
          {
            organizationName: opts.org,
            organizationSlug: slug,
            email: opts.email,
            name,
            password,
          },
          s.clock.now(),
        );
        s.audit.record({
          action: 'organization.created',
          outcome: 'success',
          organizationId: organization.id,
          actor: { type: 'system', id: null },
          target: { type: 'organization', id: organization.id },
        });
        output(
          cmd,
          {
            organization: { id: organization.id, slug: organization.slug, name: organization.name },
            user: { id: user.id, email: user.email },
          },
          () =>
            [
              `created organization ${organization.name} (${organization.slug}, ${organization.id})`,
              `created owner ${user.email} (${user.id})`,
              'next: log in with POST /v1/auth/login (the server runs with gatehouse serve)',
            ].join('\n'),
        );
      });
    });
}
