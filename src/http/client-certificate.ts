import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { PresentedCertificate } from '../oauth/sender/certificate.ts';

const seen = new WeakMap<FastifyRequest, PresentedCertificate | null>();

/**
 * The client certificate of a request (RFC 8705): the TLS connection's, or a trusted proxy's
 * header. Read once per request, and only when something asks (a bound credential, mTLS client auth).
 */
export function presentedCertificate(request: FastifyRequest): PresentedCertificate | undefined {
  const known = seen.get(request);
  if (known !== undefined) return known ?? undefined;
  const socket = request.raw.socket as Partial<TLSSocket>;
  const tls = socket.encrypted === true && typeof socket.getPeerX509Certificate === 'function';
  const cert = request.server.services.sender.certificates.read(
    {
      peerCertificate: tls ? socket.getPeerX509Certificate?.() : undefined,
      peerAuthorized: tls && socket.authorized === true,
      peerAddress: request.raw.socket.remoteAddress,
      headers: request.headers,
    },
    request.server.services.clock.now(),
  );
  seen.set(request, cert ?? null);
  return cert;
}
