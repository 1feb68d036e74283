import type { FastifyReply, FastifyRequest } from 'fastify';

/** Binds a provider sign-in to the browser that started it (login CSRF): its value is the flow's state. */
export const STATE_COOKIE = 'gh_social_state';

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

/** Sets (or with maxAge 0 clears) the state cookie; it is only sent to the callbacks under `/v1/auth`. */
export function setStateCookie(reply: FastifyReply, publicUrl: string, value: string, maxAge: number): void {
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  reply.header('set-cookie', `${STATE_COOKIE}=${value}; Path=/v1/auth; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`);
}
