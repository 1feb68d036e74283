import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { Jar } from './browser.ts';

export { Jar };

/** Is this URL Gatehouse's callback for a provider? */
export const isCallback = (base: string) => (u: URL) => u.origin === base && /^\/v1\/auth\/[a-z0-9-]+\/callback$/.test(u.pathname);

/** Opens a Gatehouse entry point in the jar and follows the provider's redirects up to (not into) Gatehouse's callback. */
export async function toCallback(jar: Jar, base: string, path: string): Promise<URL> {
  const r = await jar.follow(new URL(path, base), isCallback(base));
  assert.ok(r instanceof URL, `no callback reached: ${r instanceof Response ? `${r.status} ${jar.html.slice(0, 300)}` : ''}`);
  // The state and the provider's code must never reach a log line or an audit event (test/scan).
  for (const p of ['state', 'code']) {
    const v = r.searchParams.get(p);
    if (v) registerSecret(v);
  }
  return r;
}

/** The token body of a successful API sign-in (tokens registered as test secrets). */
export async function tokensOf(res: Response): Promise<{ access_token: string; refresh_token: string }> {
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text) as { access_token: string; refresh_token: string };
  registerSecret(body.access_token);
  registerSecret(body.refresh_token);
  return body;
}

/** A problem body's `code` and status. */
export async function problemOf(res: Response): Promise<{ status: number; code: string; detail: string }> {
  const text = await res.text();
  const body = JSON.parse(text) as { code: string; detail: string };
  return { status: res.status, code: body.code, detail: body.detail };
}

/** Signs in at `path` through the provider and answers Gatehouse's tokens. */
export async function apiSignIn(t: { base: string }, path: string): Promise<{ access_token: string; refresh_token: string }> {
  const jar = new Jar();
  return tokensOf(await jar.request(await toCallback(jar, t.base, path)));
}

/** The audit events with this action, after a flush. */
export async function auditEvents(t: TestApp, action: string): Promise<Record<string, unknown>[]> {
  await t.services.audit.flush();
  const rows = await t.services.storage.db.selectFrom('audit_events').selectAll().where('action', '=', action).execute();
  return rows as unknown as Record<string, unknown>[];
}
