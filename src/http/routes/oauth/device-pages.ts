import type { FastifyReply } from 'fastify';
import { type ConsentOptions, consentForm, esc, sendPage } from './pages.ts';

const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${esc(csrf)}">`;
const errorLine = (error: string | undefined) => (error ? `<p class="error" role="alert">${esc(error)}</p>` : '');

/** `GET /device`: the code shown on the device, typed or arriving prefilled from `verification_uri_complete`. */
export function codeEntryPage(
  reply: FastifyReply,
  status: number,
  opts: { csrf: string; userCode?: string; error?: string },
): FastifyReply {
  return sendPage(
    reply,
    status,
    'Connect a device',
    `<h1>Connect a device</h1>${errorLine(opts.error)}<p>Enter the code shown on your device.</p>` +
      `<form method="post" action="/device">${csrfField(opts.csrf)}` +
      `<label for="user_code">Code</label><input type="text" id="user_code" name="user_code" value="${esc(opts.userCode ?? '')}" autocomplete="off" autocapitalize="characters" spellcheck="false" required>` +
      '<button type="submit">Continue</button></form>',
  );
}

/** Sign-in for a device verification (the same form as the authorization pages, posting to `/device/login`). */
export function deviceLoginPage(
  reply: FastifyReply,
  status: number,
  opts: { clientName: string; userCode: string; csrf: string; identifier?: string; error?: string },
): FastifyReply {
  return sendPage(
    reply,
    status,
    'Sign in',
    `<h1>Sign in to connect ${esc(opts.clientName)}</h1>${errorLine(opts.error)}<p><small>Device code ${esc(opts.userCode)}</small></p>` +
      `<form method="post" action="/device/login">${csrfField(opts.csrf)}` +
      `<label for="identifier">Email or username</label><input type="text" id="identifier" name="identifier" autocomplete="username" required value="${esc(opts.identifier ?? '')}">` +
      '<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>' +
      '<button type="submit">Sign in</button></form>',
  );
}

/** The consent for a device: the same words as the authorization consent, and the code to compare with the device. */
export function deviceConsentPage(
  reply: FastifyReply,
  opts: Omit<ConsentOptions, 'action' | 'intro' | 'outro'> & { userCode: string },
): FastifyReply {
  return consentForm(reply, {
    ...opts,
    action: '/device/consent',
    intro: `<p>Check that your device shows the code <strong>${esc(opts.userCode)}</strong>. If it does not, deny.</p>`,
  });
}

/** After the decision: nothing more to do in the browser. */
export function deviceDonePage(reply: FastifyReply, approved: boolean): FastifyReply {
  return approved
    ? sendPage(reply, 200, 'Device connected', '<h1>Device connected</h1><p>You can close this page and return to your device.</p>')
    : sendPage(reply, 200, 'Request denied', '<h1>Request denied</h1><p>The device was not given access. You can close this page.</p>');
}
