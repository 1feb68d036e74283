import { boolean, integer, list, oneOf, string } from '../option.ts';

export const serverOptions = {
  host: string({ doc: 'Address `gatehouse serve` listens on.', default: '127.0.0.1' }),
  port: integer({ doc: 'TCP port `gatehouse serve` listens on (0 picks a free one).', default: 8080, min: 0, max: 65535 }),
  publicUrl: string<string>({
    doc: 'The URL clients reach this server at, without a trailing slash. Used as the token issuer and in discovery documents.',
    default: (p) => `http://${String(p.host)}:${String(p.port)}`,
    defaultDoc: '`http://{host}:{port}`',
    pattern: /^https?:\/\/[^\s/]+(\/[^\s]*[^/\s])?$/,
    patternDoc: 'an http(s) URL without a trailing slash',
  }),
  dataDir: string({
    doc: 'Folder for the embedded database and the generated server secrets (created with mode 0700).',
    default: './data',
    minLength: 1,
  }),
  logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    doc: 'Minimum level of the pino logs written to standard output.',
    default: 'info',
  }),
  accessLog: boolean({
    doc: 'Write one `info` line per request (method, route pattern, status, duration, client IP, principal, request id; never headers, bodies or query strings). `false` turns it off; `logLevel: warn` does too.',
    default: true,
  }),
  bodyLimit: integer({
    doc: 'Largest request body accepted, in bytes; larger ones get 413.',
    default: 1_048_576,
    min: 1024,
    max: 104_857_600,
  }),
  trustedProxies: list({
    doc: 'Peers (IPs or CIDRs) whose `X-Forwarded-For` is believed. The client IP is the right-most untrusted hop.',
    default: [],
  }),
  realm: string({
    doc: 'The `realm` of `WWW-Authenticate` challenges.',
    default: 'gatehouse',
    pattern: /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/,
  }),
} as const;
