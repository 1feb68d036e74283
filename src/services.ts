import { type AuditLog, noopAuditLog } from './audit/audit.ts';
import { createAuditLog } from './audit/log.ts';
import { openInvalidationBus } from './cluster/bus.ts';
import type { InvalidationBus } from './cluster/invalidation.ts';
import { workerBus } from './cluster/ipc-bus.ts';
import type { Config } from './config/index.ts';
import { type ApiKeyService, createApiKeyService } from './credentials/api-keys/service.ts';
import type { SessionService } from './credentials/session-types.ts';
import { createSessionService } from './credentials/sessions.ts';
import type { CoreDeps } from './deps.ts';
import { createExternalVerifier } from './external/verifier.ts';
import { createPartyResolver, type PartyResolver } from './identity/parties.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { loadServerSecrets, type ServerSecrets } from './lib/server-secrets.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import type { OAuthContext } from './oauth/context.ts';
import { createRevokedTokens } from './oauth/revoked-tokens.ts';
import { createSenderConstraints, type SenderConstraints } from './oauth/sender/index.ts';
import { createOAuth } from './oauth/service.ts';
import { startOAuthSweep } from './oauth/sweep.ts';
import { developmentPrincipal } from './pipeline/development.ts';
import { type Authenticator, createAuthenticator } from './pipeline/index.ts';
import { createLimits, type Limits } from './ratelimit/setup.ts';
import { migrateToLatest, openStorage, type Storage } from './storage/index.ts';
import { createTokenService } from './tokens/service.ts';
import type { TokenService } from './tokens/types.ts';

/** Everything a route, a CLI command or a test needs, built once per process. */
export interface Services extends CoreDeps {
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly apiKeys: ApiKeyService;
  /** Who a credential speaks for, and what that user may do now. */
  readonly parties: PartyResolver;
  readonly limits: Limits;
  readonly authenticator: Authenticator;
  readonly metrics: Metrics;
  /** The OAuth 2.1 / OpenID Connect authorization server. */
  readonly oauth: OAuthContext;
  /** DPoP proofs, client certificates, the shared replay cache (RFC 9449, RFC 8705). */
  readonly sender: SenderConstraints;
  /** Flushes and closes everything; idempotent. */
  close(): Promise<void>;
}

export interface ServicesOptions {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Use this storage instead of opening `config.databaseUrl` (tests). Closed with the services. */
  readonly storage?: Storage;
  readonly secrets?: ServerSecrets;
  /** Run pending migrations (defaults to `config.autoMigrate`). */
  readonly migrate?: boolean;
  /** Skip the audit trail (tools that only read). */
  readonly audit?: false;
  /**
   * Read the change feed, so revocations made by other processes reach this one's caches (default
   * true). A CLI run passes false: it only writes to the feed.
   */
  readonly watchChanges?: boolean;
}

/**
 * Opens storage, applies migrations, loads secrets and wires every service.
 *
 * @example
 * const services = await createServices(loadConfig());
 * await services.close();
 */
export async function createServices(config: Config, opts: ServicesOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger(config.logLevel);
  const secrets = opts.secrets ?? loadServerSecrets(config);
  const storage = opts.storage ?? openStorage(config.databaseUrl);
  let bus: InvalidationBus;
  try {
    if (opts.migrate ?? config.autoMigrate) await migrateToLatest(storage);
    bus = await openInvalidationBus({ config, storage, clock, log }, { watch: opts.watchChanges ?? true });
  } catch (err) {
    await storage.close();
    throw err;
  }
  // Workers of `serve --workers N` without Redis also relay through the primary (milliseconds, where the feed takes a poll).
  if (!config.redisUrl) bus = workerBus(bus);
  const base = { config, storage, clock, log, secrets, bus };
  const metrics = createMetrics();
  const audit = counted(opts.audit === false ? noopAuditLog : createAuditLog(base), metrics);
  const core: CoreDeps = { ...base, audit };

  const parties = createPartyResolver(core);
  let sessions: SessionService | undefined;
  let oauth: OAuthContext | undefined;
  const revokedTokens = createRevokedTokens(core);
  const tokens = createTokenService({
    ...core,
    parties,
    isSessionRevoked: (sid) => (sessions ? sessions.isRevoked(sid) : Promise.resolve(true)),
    isClientRevoked: (id) => (oauth ? oauth.clients.isRevoked(id) : Promise.resolve(true)),
    isTokenRevoked: (jti) => revokedTokens.isRevoked(jti),
  });
  sessions = createSessionService({ ...core, tokens });
  const sender = createSenderConstraints(core);
  oauth = createOAuth({ ...core, tokens, sessions, revokedTokens, sender, parties });
  const apiKeys = createApiKeyService({ ...core, parties });
  const limits = createLimits(core);
  metrics.watchCache('api_keys', () => apiKeys.cacheStats());
  metrics.watchCache('access_tokens', () => tokens.cacheStats());
  limits.limiter.onDecision = (d) => {
    if (!d.allowed) metrics.rateLimitRejections.inc({ layer: d.layer });
  };
  const mode = config.disableAuth ? 'disabled' : config.authMode;
  const external = createExternalVerifier(core);
  const devPrincipal = mode === 'disabled' ? await developmentPrincipal(storage.db, clock.now()) : undefined;
  const authenticator = createAuthenticator({
    mode,
    accessTokens: tokens,
    apiKeys,
    external,
    senderCheck: sender.check,
    ...(devPrincipal ? { developmentPrincipal: () => devPrincipal } : {}),
  });
  await tokens.ensureSigningKey();
  await limits.ready();
  // Servers (not a CLI run) delete expired OAuth rows now and then.
  const sweep = (opts.watchChanges ?? true) ? startOAuthSweep(core) : undefined;

  let closed = false;
  return {
    ...core,
    tokens,
    sessions,
    apiKeys,
    parties,
    limits,
    authenticator,
    metrics,
    oauth,
    sender,
    async close() {
      if (closed) return;
      closed = true;
      sweep?.stop();
      await sweep?.idle();
      await apiKeys.close();
      await limits.close();
      await external.close();
      await sender.close();
      await bus.close();
      await (audit.close ? audit.close() : audit.flush());
      await storage.close();
    },
  };
}

/** Counts every recorded audit event for `/metrics`. */
function counted(audit: AuditLog, metrics: Metrics): AuditLog {
  return {
    record(event) {
      metrics.auditEvents.inc({ outcome: event.outcome });
      audit.record(event);
    },
    flush: () => audit.flush(),
    close: () => (audit.close ? audit.close() : audit.flush()),
  };
}
