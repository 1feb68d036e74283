import { GatehouseError } from '../errors/index.ts';

/** The request a proxy asks Gatehouse to decide on. */
export interface OriginalRequest {
  readonly method: string;
  readonly host: string;
  /** Raw path, without the query. */
  readonly path: string;
  /** Raw query, without `?` ('' when none). */
  readonly query: string;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const METHOD = /^[A-Za-z]{1,16}$/;
const HOST = /^[A-Za-z0-9.\-:[\]]{1,255}$/;
/** Headers that name the original request, one family per proxy; the first family present wins. */
const SINGLE = [
  'x-original-uri',
  'x-original-url',
  'x-original-method',
  'x-original-host',
  'x-forwarded-uri',
  'x-forwarded-method',
  'x-forwarded-host',
];

const bad = (detail: string) => new GatehouseError('original_request_invalid', detail);

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  if (Array.isArray(v)) throw bad(`${name} was sent more than once`);
  return v === undefined || v === '' ? undefined : v;
}

function countOf(raw: readonly string[] | undefined, name: string): number {
  let n = 0;
  if (raw) for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) n++;
  return n;
}

/** Splits `/path?query#fragment` or `http://host/path?query` into host (when absolute), path and query. */
function splitUri(uri: string): { host?: string; path: string; query: string } {
  let rest = uri;
  let host: string | undefined;
  const abs = /^https?:\/\/([^/?#]*)(.*)$/i.exec(uri);
  if (abs) {
    host = abs[1];
    rest = abs[2] === '' || abs[2] === undefined ? '/' : abs[2];
  }
  if (!rest.startsWith('/')) throw bad('The original URI must be a path starting with "/" or an absolute http(s) URL');
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  return { ...(host !== undefined ? { host } : {}), path, query };
}

/**
 * The original request behind a forward-auth call, from the first source present:
 * - Envoy `ext_authz` (HTTP service, `path_prefix: /v1/forward-auth`): the path after the prefix,
 *   the request's own method and Host;
 * - nginx `auth_request`: `X-Original-URI` (or `X-Original-URL`), `X-Original-Method`, `X-Original-Host`;
 * - Traefik ForwardAuth: `X-Forwarded-Uri`, `X-Forwarded-Method`, `X-Forwarded-Host`.
 * The proxy must set (overwrite) these headers; a repeated one is refused.
 *
 * @example
 * originalRequest({ method: 'GET', url: '/v1/forward-auth', headers: { 'x-original-uri': '/a?b=1', host: 'api' } });
 */
export function originalRequest(req: {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly rawHeaders?: readonly string[];
  /** Where Envoy's path prefix ends, when the route is `/v1/forward-auth/*`. */
  readonly prefix?: string;
}): OriginalRequest {
  for (const name of SINGLE) if (countOf(req.rawHeaders, name) > 1) throw bad(`${name} was sent more than once`);
  const h = req.headers;
  let method: string | undefined;
  let uri: string | undefined;
  let host: string | undefined;
  if (req.prefix !== undefined && req.url.startsWith(`${req.prefix}/`)) {
    method = req.method;
    uri = req.url.slice(req.prefix.length);
    host = header(h, 'x-forwarded-host') ?? header(h, 'host');
  } else if (header(h, 'x-original-uri') !== undefined || header(h, 'x-original-url') !== undefined) {
    uri = header(h, 'x-original-uri') ?? header(h, 'x-original-url');
    method = header(h, 'x-original-method') ?? header(h, 'x-forwarded-method');
    host = header(h, 'x-original-host') ?? header(h, 'x-forwarded-host') ?? header(h, 'host');
  } else if (header(h, 'x-forwarded-uri') !== undefined) {
    uri = header(h, 'x-forwarded-uri');
    method = header(h, 'x-forwarded-method');
    host = header(h, 'x-forwarded-host') ?? header(h, 'host');
  }
  if (uri === undefined)
    throw bad('Send the original URI in X-Original-URI (nginx), X-Forwarded-Uri (Traefik) or after /v1/forward-auth (Envoy)');
  if (method === undefined) throw bad('Send the original method in X-Original-Method or X-Forwarded-Method');
  if (!METHOD.test(method)) throw bad('The original method is not an HTTP method');
  if (uri.length > 8192) throw bad('The original URI is longer than 8192 characters');
  const parts = splitUri(uri);
  const finalHost = parts.host ?? host ?? '';
  if (!HOST.test(finalHost)) throw bad('The original Host is missing or malformed');
  return { method: method.toUpperCase(), host: finalHost, path: parts.path, query: parts.query };
}
