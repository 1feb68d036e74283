import { configuredIssuers } from '../config/options/external.ts';
import { PRESET_CLAIMS } from '../external/presets.ts';
import { findOrganization, operatorOrganizationId } from '../identity/organizations.ts';
import type { Services } from '../services.ts';

/**
 * At start, says which organization each external issuer's tokens act for, so a default (the
 * operator organization) is never a surprise; warns when such tokens would be refused.
 */
export async function logExternalIssuers(s: Services): Promise<void> {
  const { config, log } = s;
  const db = s.storage.db;
  const issuers = configuredIssuers(config).map((c) => ({
    issuer: c.issuer,
    organization: c.organization ?? PRESET_CLAIMS[c.preset].organization,
  }));
  if (config.jwtSharedSecret !== undefined || config.jwtSharedSecretFile !== undefined)
    issuers.push({
      issuer: config.jwtSharedSecretIssuer ?? '(shared secret, tokens without iss)',
      organization: config.jwtSharedSecretOrganization,
    });
  if (issuers.length === 0) return;
  const mode = s.authenticator.mode;
  if (mode !== 'oauth2' && mode !== 'all')
    log.warn(
      { auth_mode: mode },
      `external issuers are configured but AUTH_MODE=${mode} refuses their tokens; set AUTH_MODE=oauth2 or all`,
    );
  const operatorId = await operatorOrganizationId(db);
  const operator = operatorId === undefined ? undefined : await findOrganization(db, operatorId);
  for (const { issuer, organization } of issuers) {
    if (organization?.startsWith('claim:')) {
      log.info({ issuer }, `external tokens of ${issuer} act for the organization named in their ${organization.slice(6)} claim`);
    } else if (organization !== undefined) {
      const org = await findOrganization(db, organization);
      if (org) log.info({ issuer, organization: org.id }, `external tokens of ${issuer} act for organization ${org.slug} (${org.id})`);
      else log.warn({ issuer }, `external tokens of ${issuer} name organization "${organization}", which does not exist: they are refused`);
    } else if (operator) {
      log.info(
        { issuer, organization: operator.id },
        `external tokens of ${issuer} act for the operator organization ${operator.slug} (${operator.id}); set OAUTH2_ORGANIZATION (GATEHOUSE_JWT_SHARED_SECRET_ORGANIZATION for the shared secret) to choose another`,
      );
    } else {
      log.warn(
        { issuer },
        `external tokens of ${issuer} act for the operator organization, which does not exist yet (gatehouse init): they are refused until then`,
      );
    }
  }
}
