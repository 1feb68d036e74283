import type { CoreDeps } from '../../deps.ts';
import type { SenderCheck } from '../../pipeline/index.ts';
import { createReplayCache, type ReplayCache } from '../replay-cache.ts';
import { type CertificateReader, createCertificateReader } from './certificate.ts';
import { createSenderCheck } from './check.ts';
import { createDpopVerifier, type DpopVerifier } from './dpop.ts';

/** Sender-constrained tokens: the shared replay cache, DPoP proofs, and the pipeline's check. */
export interface SenderConstraints {
  readonly replay: ReplayCache;
  readonly dpop: DpopVerifier;
  readonly check: SenderCheck;
  /** Client certificates of requests: the TLS connection, or a trusted proxy's header. */
  readonly certificates: CertificateReader;
  close(): Promise<void>;
}

/**
 * @example
 * const sender = createSenderConstraints(core);
 * createAuthenticator({ ..., senderCheck: sender.check });
 */
export function createSenderConstraints(deps: CoreDeps): SenderConstraints {
  const replay = createReplayCache(deps);
  const dpop = createDpopVerifier({ config: deps.config, clock: deps.clock, pepper: deps.secrets.pepper, replay });
  return {
    replay,
    dpop,
    check: createSenderCheck(dpop, deps.config.realm),
    certificates: createCertificateReader(deps.config),
    close: () => replay.close(),
  };
}
