import type { Command } from 'commander';
import { findOrganization } from '../identity/organizations.ts';
import { TOKEN_EXCHANGE, validateClientMetadata } from '../oauth/clients/metadata.ts';
import { renderClient } from '../oauth/clients/render.ts';
import { findClient, listClients } from '../oauth/clients/repository.ts';
import { OAuthError } from '../oauth/errors.ts';
import type { OAuthClientRow } from '../oauth/tables.ts';
import type { Services } from '../services.ts';
import { CliError, output, withServices } from './context.ts';

interface AddOptions {
  org: string;
  name: string;
  grant: string[];
  redirectUri: string[];
  scope?: string;
  authMethod: string;
  exchangeResource: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function organizationId(s: Services, ref: string): Promise<string> {
  const org = await findOrganization(s.storage.db, ref);
  if (!org) throw new CliError(`no organization "${ref.slice(0, 100)}"`);
  return org.id;
}

async function clientOf(s: Services, id: string): Promise<OAuthClientRow> {
  const row = await findClient(s.storage.db, id);
  if (!row) throw new CliError(`no client "${id.slice(0, 100)}"`);
  return row;
}

function line(row: OAuthClientRow): string {
  return `${row.id}  ${row.auth_method.padEnd(19)} ${(JSON.parse(row.grant_types) as string[]).join(',').padEnd(40)} ${row.name}`;
}

/** `gatehouse clients add|list|show|rotate|remove`: OAuth clients of an organization, on the configured storage. */
export function registerClients(program: Command): void {
  const clients = program.command('clients').description('manage OAuth clients');
  clients
    .command('add')
    .description('register a client; a confidential client gets a secret, shown once')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--name <name>', 'client name', 'Unnamed client')
    .option(
      '--grant <type>',
      'grant type (repeatable): authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code, urn:ietf:params:oauth:grant-type:token-exchange',
      collect,
      [],
    )
    .option('--redirect-uri <uri>', 'redirect URI (repeatable)', collect, [])
    .option('--scope <scopes>', 'space-separated scopes the client may ask for')
    .option('--auth-method <method>', 'client_secret_basic, client_secret_post or none', 'client_secret_basic')
    .option('--exchange-resource <uri>', 'resource the client may exchange user tokens for (repeatable; RFC 8693)', collect, [])
    .action(async (opts: AddOptions, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const org = await organizationId(s, opts.org);
        let metadata: ReturnType<typeof validateClientMetadata>;
        try {
          metadata = validateClientMetadata({
            client_name: opts.name,
            grant_types: opts.grant.length > 0 ? opts.grant : ['authorization_code'],
            redirect_uris: opts.redirectUri,
            token_endpoint_auth_method: opts.authMethod,
            ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
            ...(opts.exchangeResource.length > 0 ? { token_exchange_resources: opts.exchangeResource } : {}),
          });
        } catch (err) {
          if (err instanceof OAuthError) throw new CliError(err.description);
          throw err;
        }
        const { row, secret } = await s.oauth.clients.create(org, metadata, null);
        s.audit.record({
          action: 'oauth.client.created',
          outcome: 'success',
          organizationId: org,
          actor: { type: 'system', id: null },
          target: { type: 'oauth_client', id: row.id },
        });
        output(cmd, { ...renderClient(row), ...(secret !== undefined ? { client_secret: secret } : {}) }, () =>
          [`client_id:     ${row.id}`, ...(secret !== undefined ? [`client_secret: ${secret}`, '(shown once: store it now)'] : [])].join(
            '\n',
          ),
        );
      });
    });
  clients
    .command('list')
    .description("list an organization's clients")
    .requiredOption('--org <org>', 'organization id or slug')
    .action(async (opts: { org: string }, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const rows = await listClients(s.storage.db, await organizationId(s, opts.org), 1000);
        output(cmd, rows.map(renderClient), () => (rows.length === 0 ? 'no clients' : rows.map(line).join('\n')));
      });
    });
  clients
    .command('show')
    .description('show a client (never its secret)')
    .argument('<client_id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const row = await clientOf(s, id);
        output(cmd, renderClient(row), () => JSON.stringify(renderClient(row), null, 2));
      });
    });
  clients
    .command('exchange')
    .description('set the resources a client may exchange user tokens for (RFC 8693); no --resource turns exchange off')
    .argument('<client_id>')
    .option('--resource <uri>', 'resource identifier (repeatable)', collect, [])
    .action(async (id: string, opts: { resource: string[] }, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const row = await clientOf(s, id);
        const current = renderClient(row);
        const grants = (current.grant_types as string[]).filter((g) => g !== TOKEN_EXCHANGE);
        let metadata: ReturnType<typeof validateClientMetadata>;
        try {
          metadata = validateClientMetadata({
            ...current,
            grant_types: opts.resource.length > 0 ? [...grants, TOKEN_EXCHANGE] : grants,
            token_exchange_resources: opts.resource,
          });
        } catch (err) {
          if (err instanceof OAuthError) throw new CliError(err.description);
          throw err;
        }
        const updated = await s.oauth.clients.update(row, metadata);
        s.audit.record({
          action: 'oauth.client.updated',
          outcome: 'success',
          organizationId: row.organization_id,
          actor: { type: 'system', id: null },
          target: { type: 'oauth_client', id: row.id },
        });
        output(cmd, renderClient(updated), () =>
          opts.resource.length > 0 ? `${row.id} may exchange tokens for: ${opts.resource.join(', ')}` : `${row.id} may not exchange tokens`,
        );
      });
    });
  clients
    .command('rotate')
    .description('replace the client secret; the old one stops at once')
    .argument('<client_id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const { row, secret } = await s.oauth.clients.rotateSecret(await clientOf(s, id));
        s.audit.record({
          action: 'oauth.client.secret_rotated',
          outcome: 'success',
          organizationId: row.organization_id,
          actor: { type: 'system', id: null },
          target: { type: 'oauth_client', id: row.id },
        });
        output(cmd, { client_id: row.id, client_secret: secret }, () => `client_secret: ${String(secret)}\n(shown once: store it now)`);
      });
    });
  clients
    .command('remove')
    .description('delete a client: its grants end and its tokens stop working')
    .argument('<client_id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const row = await clientOf(s, id);
        await s.oauth.clients.remove(row);
        s.audit.record({
          action: 'oauth.client.deleted',
          outcome: 'success',
          organizationId: row.organization_id,
          actor: { type: 'system', id: null },
          target: { type: 'oauth_client', id: row.id },
        });
        output(cmd, { client_id: row.id, deleted: true }, () => `deleted ${row.id}`);
      });
    });
}
