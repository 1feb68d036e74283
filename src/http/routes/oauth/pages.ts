import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

const CSS =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f5f5;color:#111}main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}' +
  'h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password],select{width:100%;padding:.5rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1rem;margin-right:.5rem}.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:4px}ul{padding-left:1.2rem}small{color:#555}';
const CSS_HASH = createHash('sha256').update(CSS).digest('base64');

/** No third-party assets, no script, no framing; the inline style is allowed by its hash. */
const CSP = `default-src 'none'; style-src 'sha256-${CSS_HASH}'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'`;

/** HTML-escapes text for element content and attribute values. */
export function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Writes a small, accessible page with the security headers every interaction page carries. */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body><main>${body}</main></body></html>`,
    );
}

export function errorPage(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return sendPage(reply, status, title, `<h1>${esc(title)}</h1><p class="error" role="alert">${esc(detail)}</p>`);
}

export function loginPage(
  reply: FastifyReply,
  status: number,
  opts: { clientName: string; csrf: string; error?: string; identifier?: string; providers?: readonly { id: string; name: string }[] },
): FastifyReply {
  const error = opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : '';
  const providers = opts.providers?.length
    ? `<form method="post" action="/oauth/interaction/social"><input type="hidden" name="csrf" value="${esc(opts.csrf)}">${opts.providers
        .map((p) => `<button type="submit" name="provider" value="${esc(p.id)}">Continue with ${esc(p.name)}</button>`)
        .join('')}</form>`
    : '';
  return sendPage(
    reply,
    status,
    'Sign in',
    `<h1>Sign in to continue to ${esc(opts.clientName)}</h1>${error}<form method="post" action="/oauth/interaction/login">` +
      `<input type="hidden" name="csrf" value="${esc(opts.csrf)}">` +
      `<label for="identifier">Email or username</label><input type="text" id="identifier" name="identifier" autocomplete="username" required value="${esc(opts.identifier ?? '')}">` +
      '<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>' +
      `<button type="submit">Sign in</button></form>${providers}`,
  );
}

const OIDC_WORDS: Readonly<Record<string, string>> = {
  openid: 'Know who you are',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it',
  read: 'Read your data',
  write: 'Read and change your data',
  admin: 'Everything your account can do',
  '*': 'Everything your account can do',
};

/** A scope in words: `reports:read` → "Read reports", `tools:*` → "Full access to tools". */
export function scopeInWords(scope: string): string {
  const word = OIDC_WORDS[scope];
  if (word !== undefined) return word;
  const [resource = scope, action = '', ...rest] = scope.split(':');
  const what = [resource.replace(/[_.-]/g, ' '), ...rest].join(' ');
  if (action === '*') return `Full access to ${what}`;
  if (action === 'read' || action === 'list' || action === 'get') return `Read ${what}`;
  if (action === 'write' || action === 'update' || action === 'create') return `Change ${what}`;
  if (action === 'delete') return `Delete ${what}`;
  return `${action.charAt(0).toUpperCase()}${action.slice(1)} ${what}`.trim();
}

/** What a consent form shows, for the authorization and the device consent alike. */
export interface ConsentOptions {
  clientName: string;
  clientUri: string | null;
  scopes: readonly string[];
  resources: readonly string[];
  organizations: readonly { id: string; name: string }[];
  csrf: string;
  error?: string;
  /** Where the form posts. */
  action: string;
  /** HTML (escaped by the caller) before and after the list of what the client may do. */
  intro?: string;
  outro?: string;
}

/** The consent page: the client, what it may do in words, the organization to choose, allow or deny. */
export function consentForm(reply: FastifyReply, opts: ConsentOptions): FastifyReply {
  const scopes =
    opts.scopes.length === 0
      ? '<li>Know that you signed in</li>'
      : opts.scopes.map((s) => `<li>${esc(scopeInWords(s))} <small>(${esc(s)})</small></li>`).join('');
  const orgs =
    opts.organizations.length > 1
      ? `<label for="organization">Organization</label><select id="organization" name="organization">${opts.organizations
          .map((o) => `<option value="${esc(o.id)}">${esc(o.name)}</option>`)
          .join('')}</select>`
      : `<input type="hidden" name="organization" value="${esc(opts.organizations[0]?.id ?? '')}">`;
  const resources = opts.resources.length > 0 ? `<p>For: ${opts.resources.map((r) => `<code>${esc(r)}</code>`).join(', ')}</p>` : '';
  const site = opts.clientUri ? `<p><small>${esc(opts.clientUri)}</small></p>` : '';
  const error = opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : '';
  return sendPage(
    reply,
    200,
    'Allow access?',
    `<h1>${esc(opts.clientName)} wants to access your account</h1>${site}${error}${opts.intro ?? ''}<p>It will be able to:</p><ul>${scopes}</ul>${resources}` +
      (opts.outro ?? '') +
      `<form method="post" action="${esc(opts.action)}"><input type="hidden" name="csrf" value="${esc(opts.csrf)}">${orgs}` +
      '<button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button></form>',
  );
}

/** The authorization's consent page: the consent form, and where the browser will be sent back. */
export function consentPage(
  reply: FastifyReply,
  opts: Omit<ConsentOptions, 'action' | 'intro' | 'outro'> & { clientId: string; redirectUri: string },
): FastifyReply {
  return consentForm(reply, {
    ...opts,
    action: '/oauth/interaction/consent',
    outro: `<p><small>You will be sent back to ${esc(opts.redirectUri)}</small></p>`,
  });
}
