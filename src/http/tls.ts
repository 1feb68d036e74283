import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:https';
import type { FastifyServerFactory } from 'fastify';
import type { Config } from '../config/index.ts';

/**
 * HTTPS for `gatehouse serve` when `tlsCert` and `tlsKey` are set (RFC 8705 needs the TLS
 * connection). With `tlsClientCa` the server asks for a client certificate but never requires
 * one: an unauthenticated handshake still reaches the routes, which decide (`socket.authorized`
 * says whether the certificate chains to the CA). Undefined: plain HTTP.
 *
 * @example
 * Fastify({ ...(tlsServerFactory(config) ? { serverFactory: tlsServerFactory(config) } : {}) });
 */
export function tlsServerFactory(config: Config): FastifyServerFactory | undefined {
  // Without TLS here, `tlsClientCa` still checks certificates a trusted proxy forwards (`tlsClientCertHeader`).
  if (config.tlsCert === undefined && config.tlsKey === undefined) return undefined;
  if (config.tlsCert === undefined || config.tlsKey === undefined) throw new Error('tlsCert and tlsKey must be set together');
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const options = {
    cert: read(config.tlsCert, 'tlsCert'),
    key: read(config.tlsKey, 'tlsKey'),
    ...(config.tlsClientCa !== undefined
      ? { ca: read(config.tlsClientCa, 'tlsClientCa'), requestCert: true, rejectUnauthorized: false }
      : {}),
    minVersion: 'TLSv1.2' as const,
  };
  return (handler) => createServer(options, handler) as unknown as Server;
}
