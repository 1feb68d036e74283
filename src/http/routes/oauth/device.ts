import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { membershipsOfUser } from '../../../identity/memberships.ts';
import { constantTimeEqual } from '../../../lib/secure.ts';
import { signIn } from '../../../oauth/authorize/sign-in.ts';
import {
  browserHandle,
  DEVICE_COOKIE,
  type DeviceVerification,
  decide,
  deviceCsrf,
  enterUserCode,
  loadVerification,
} from '../../../oauth/device/verification.ts';
import { setInteractionUser } from '../../../oauth/records/interactions.ts';
import { cookieValue, setCookie } from '../../cookie.ts';
import { requestFacts } from '../../request-facts.ts';
import { codeEntryPage, deviceConsentPage, deviceDonePage, deviceLoginPage } from './device-pages.ts';
import { formOf, queryOf } from './form.ts';
import { errorPage } from './pages.ts';

const cookieOf = (request: FastifyRequest) => cookieValue(request, DEVICE_COOKIE);

const expired = (reply: FastifyReply) =>
  errorPage(reply, 400, 'Code expired', 'This device code has expired or was already used. Start again on your device.');
const refused = (reply: FastifyReply) =>
  errorPage(reply, 403, 'Request refused', 'The form could not be verified. Open the device page and start again.');

/**
 * The RFC 8628 verification pages: `/device` (enter the code, or arrive with it), sign in, the
 * consent, then done. Forms carry a CSRF token derived from the browser's cookie; every POST
 * answers 303; the pages are never framed.
 */
export default async function deviceRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.services.oauth;
  const { limits } = app.services;
  const page = { config: { protected: false }, schema: { tags: ['oauth'], hide: true } } as const;

  const setDeviceCookie = (reply: FastifyReply, value: string, maxAge: number) =>
    setCookie(reply, ctx.config.publicUrl, DEVICE_COOKIE, value, maxAge, '/device');

  const formValid = (request: FastifyRequest, handle: string) =>
    constantTimeEqual(formOf(request).one('csrf') ?? '', deviceCsrf(ctx, handle));

  /** The verification of the cookie whose form carries its CSRF token; else the page that answers. */
  async function formVerification(request: FastifyRequest, reply: FastifyReply): Promise<DeviceVerification | FastifyReply> {
    const v = await loadVerification(ctx, cookieOf(request));
    if (!v) return expired(reply);
    if (!formValid(request, v.handle)) return refused(reply);
    return v;
  }

  app.get('/device', page, async (request, reply) => {
    const handle = browserHandle(cookieOf(request));
    setDeviceCookie(reply, handle, ctx.config.oauthInteractionTtl);
    const typed = queryOf(request).one('user_code');
    return codeEntryPage(reply, 200, { csrf: deviceCsrf(ctx, handle), ...(typed !== undefined ? { userCode: typed.slice(0, 40) } : {}) });
  });

  app.post('/device', page, async (request, reply) => {
    const cookie = cookieOf(request);
    if (cookie === undefined || !formValid(request, cookie)) return refused(reply);
    const typed = (formOf(request).one('user_code') ?? '').slice(0, 40);
    const csrf = deviceCsrf(ctx, cookie);
    try {
      const entered = await enterUserCode(ctx, limits.guard, typed, request.ip);
      if (!entered.ok) return codeEntryPage(reply, 400, { csrf, userCode: typed, error: 'That code is not valid or has expired.' });
      setDeviceCookie(reply, entered.handle, ctx.config.oauthInteractionTtl);
      return reply.redirect('/device/confirm', 303);
    } catch (err) {
      if (err instanceof GatehouseError && err.error === 'too_many_attempts') {
        const wait = Math.max(1, Math.ceil(err.extras.retryAfter ?? 60));
        reply.header('retry-after', String(wait));
        return codeEntryPage(reply, 429, { csrf, userCode: typed, error: `Too many attempts. Try again in ${wait} seconds.` });
      }
      throw err;
    }
  });

  app.get('/device/confirm', page, async (request, reply) => {
    const v = await loadVerification(ctx, cookieOf(request));
    if (!v) return expired(reply);
    const client = await ctx.resolveClient(v.device.client_id);
    const csrf = deviceCsrf(ctx, v.handle);
    const userId = v.row.user_id;
    if (userId === null) return deviceLoginPage(reply, 200, { clientName: client.name, userCode: v.userCode, csrf });
    const memberships = await membershipsOfUser(ctx.storage.db, userId);
    if (memberships.length === 0) return errorPage(reply, 403, 'No organization', 'Your account belongs to no organization.');
    return deviceConsentPage(reply, {
      clientName: client.name,
      clientUri: client.clientUri,
      userCode: v.userCode,
      scopes: v.device.scope === '' ? [] : v.device.scope.split(' '),
      resources: JSON.parse(v.device.resource) as string[],
      organizations: memberships.map((m) => ({ id: m.organization_id, name: m.name })),
      csrf,
    });
  });

  app.post('/device/login', page, async (request, reply) => {
    const v = await formVerification(request, reply);
    if (!('handle' in v)) return v;
    const form = formOf(request);
    const identifier = (form.one('identifier') ?? '').slice(0, 320);
    const password = (form.one('password') ?? '').slice(0, 1024);
    const client = await ctx.resolveClient(v.device.client_id);
    const again = (status: number, error: string) =>
      deviceLoginPage(reply, status, { clientName: client.name, userCode: v.userCode, csrf: deviceCsrf(ctx, v.handle), identifier, error });
    if (identifier === '' || password === '') return again(400, 'Enter your email or username and your password.');
    let userId: string | undefined;
    try {
      userId = await signIn(ctx, limits.guard, identifier, password, requestFacts(request));
    } catch (err) {
      if (err instanceof GatehouseError && err.error === 'too_many_attempts') {
        const wait = Math.max(1, Math.ceil(err.extras.retryAfter ?? 60));
        reply.header('retry-after', String(wait));
        return again(429, `Too many attempts. Try again in ${wait} seconds.`);
      }
      throw err;
    }
    if (userId === undefined) return again(401, 'Incorrect email, username or password.');
    await setInteractionUser(ctx.storage.db, v.row.id_hash, userId, ctx.clock.now());
    return reply.redirect('/device/confirm', 303);
  });

  app.post('/device/consent', page, async (request, reply) => {
    const v = await formVerification(request, reply);
    if (!('handle' in v)) return v;
    const userId = v.row.user_id;
    if (userId === null) return reply.redirect('/device/confirm', 303);
    const form = formOf(request);
    let result: Awaited<ReturnType<typeof decide>>;
    if (form.one('decision') === 'allow') {
      const memberships = await membershipsOfUser(ctx.storage.db, userId);
      const org = memberships.find((m) => m.organization_id === form.one('organization'));
      if (!org) return errorPage(reply, 400, 'Invalid organization', 'Choose one of your organizations.');
      result = await decide(ctx, v, userId, { allow: true, organizationId: org.organization_id });
    } else {
      result = await decide(ctx, v, userId, { allow: false });
    }
    if (result === 'expired') return expired(reply);
    if (result === 'invalid_target')
      return errorPage(reply, 400, 'Not available', 'The device asked for a resource of another organization. Choose another one.');
    setDeviceCookie(reply, '', 0);
    return reply.redirect(`/device/done?result=${result}`, 303);
  });

  app.get('/device/done', page, async (request, reply) => deviceDonePage(reply, queryOf(request).one('result') === 'approved'));
}
