import type { FastifyReply } from 'fastify';
import { setCookie } from '../../cookie.ts';

/** Binds a provider sign-in to the browser that started it (login CSRF): its value is the flow's state. */
export const STATE_COOKIE = 'gh_social_state';

/** Sets (or with maxAge 0 clears) the state cookie; it is only sent to the callbacks under `/v1/auth`. */
export function setStateCookie(reply: FastifyReply, publicUrl: string, value: string, maxAge: number): void {
  setCookie(reply, publicUrl, STATE_COOKIE, value, maxAge, '/v1/auth');
}
