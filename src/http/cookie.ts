import type { FastifyReply, FastifyRequest } from 'fastify';

/** A cookie's value from the request, or undefined. */
export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Sets (or, with `maxAge` 0, clears) one of Gatehouse's browser cookies: HttpOnly, SameSite=Lax,
 * scoped to `path`, Secure whenever the public URL is https. Fastify appends every `set-cookie`.
 */
export function setCookie(reply: FastifyReply, publicUrl: string, name: string, value: string, maxAge: number, path: string): void {
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  reply.header('set-cookie', `${name}=${value}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`);
}
