import type { Command } from 'commander';
import { findOrganization } from '../identity/organizations.ts';
import { CliError, configFor, output, withServices } from './context.ts';

/**
 * `gatehouse limits tiers|set-tier`: the configured rate-limit tiers, and an organization's tier.
 * Tiers are the operator's to assign (an organization's owner cannot raise its own limits).
 */
export function registerLimits(program: Command): void {
  const limits = program.command('limits').description('rate-limit layers and tiers');
  limits
    .command('tiers')
    .description('list the layer defaults and the configured tiers (requests per minute and burst)')
    .action((_opts, cmd: Command) => {
      const c = configFor(cmd);
      const layers = { anonymous: c.rateLimitAnonymous, api_key: c.rateLimitApiKey, user: c.rateLimitUser };
      const tiers = Object.entries(c.rateLimitTiers).map(([name, t]) => ({
        name,
        requests_per_minute: t.requests_per_minute,
        burst: t.burst ?? t.requests_per_minute,
      }));
      output(cmd, { enabled: c.rateLimitEnabled, layers, tiers }, () =>
        [
          `rate limits ${c.rateLimitEnabled ? 'enabled' : 'DISABLED'}`,
          ...Object.entries(layers).map(([l, n]) => `layer ${l.padEnd(13)} ${n}/min`),
          ...tiers.map((t) => `tier  ${t.name.padEnd(13)} ${t.requests_per_minute}/min, burst ${t.burst}`),
        ].join('\n'),
      );
    });
  limits
    .command('set-tier')
    .description('put an organization on a tier (`default` … as configured), or back on the layer defaults with `none`')
    .argument('<organization>', 'organization id or slug')
    .argument('<tier>', 'a configured tier name, or none')
    .action(async (orgRef: string, tier: string, _opts, cmd: Command) => {
      await withServices(cmd, async (s) => {
        if (tier !== 'none' && !(tier in s.config.rateLimitTiers))
          throw new CliError(`unknown tier "${tier.slice(0, 64)}"; configured: ${Object.keys(s.config.rateLimitTiers).join(', ')}`);
        const org = await findOrganization(s.storage.db, orgRef);
        if (!org) throw new CliError(`no organization "${orgRef.slice(0, 100)}"`);
        const value = tier === 'none' ? null : tier;
        await s.storage.db
          .updateTable('organizations')
          .set({ rate_limit_tier: value, updated_at: s.clock.now() })
          .where('id', '=', org.id)
          .execute();
        s.audit.record({
          action: 'organization.rate_limit_tier_changed',
          outcome: 'success',
          organizationId: org.id,
          actor: { type: 'system', id: null },
          target: { type: 'organization', id: org.id },
          details: { from: org.rate_limit_tier, to: value },
        });
        output(
          cmd,
          { organization: org.id, slug: org.slug, tier: value },
          () => `${org.slug} (${org.id}): tier ${value ?? 'none (layer defaults)'}`,
        );
      });
    });
}
