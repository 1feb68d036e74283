import type { FastifyRequest } from 'fastify';

/** What audit events, sessions and limits record about a request; never a credential-bearing header. */
export interface RequestFacts {
  readonly ip: string;
  /** Capped at 256 characters. */
  readonly userAgent: string | null;
  readonly requestId: string;
}

export function requestFacts(request: FastifyRequest): RequestFacts {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null, requestId: String(request.id) };
}
