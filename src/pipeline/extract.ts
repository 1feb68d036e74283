import { GatehouseError } from '../errors/index.ts';

/** The parts of a request the pipeline reads; framework-free. */
export interface RequestLike {
  /** Header names lower-cased, as Node delivers them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Raw header list, to see duplicates Node folds away (Authorization keeps only the first). */
  readonly rawHeaders?: readonly string[];
  /** The raw query string, without `?`. */
  readonly query?: string;
  /** Client IP after trusted-proxy resolution. */
  readonly ip: string;
  /** The registered resource the request is for, when a route names one (decision API `?resource=`). */
  readonly audience?: string;
}

/** Where a credential came from. */
export type CredentialSource = 'bearer' | 'api-key-scheme' | 'x-api-key';

export interface ExtractedCredential {
  readonly value: string;
  readonly source: CredentialSource;
}

/** Query parameters that carry credentials in other systems; refused here (they leak into logs). */
const QUERY_CREDENTIALS = /(?:^|&)(access_token|api_key|apikey|api-key|x-api-key|token)=/i;
const SCHEME = /^([A-Za-z][A-Za-z0-9-]*) +(\S+)$/;
/** RFC 6750 b64token, plus what our key alphabet needs. */
const CREDENTIAL = /^[A-Za-z0-9\-._~+/]+=*$/;

function count(raw: readonly string[] | undefined, name: string): number {
  if (!raw) return 0;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) n++;
  return n;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Finds the one credential of a request, or undefined when there is none. Two credentials,
 * a credential in the query string, or a malformed Authorization header are errors. The scheme is
 * case-insensitive; the credential itself is never altered.
 */
export function extractCredential(req: RequestLike): ExtractedCredential | undefined {
  if (req.query && QUERY_CREDENTIALS.test(req.query)) {
    throw new GatehouseError('credential_in_query', 'Credentials must be sent in a header, not the query string');
  }
  const found: ExtractedCredential[] = [];
  const auth = single(req.headers.authorization);
  if (count(req.rawHeaders, 'authorization') > 1 || count(req.rawHeaders, 'x-api-key') > 1) {
    throw new GatehouseError('multiple_credentials', 'Only one credential may be sent per request');
  }
  if (auth !== undefined) {
    const m = SCHEME.exec(auth.trim());
    if (!m) throw new GatehouseError('malformed_authorization', 'Authorization header must be "<scheme> <credential>"');
    const scheme = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (scheme === 'bearer') found.push({ value, source: 'bearer' });
    else if (scheme === 'api-key' || scheme === 'apikey') found.push({ value, source: 'api-key-scheme' });
    else throw new GatehouseError('malformed_authorization', 'Unsupported authorization scheme; use Bearer or Api-Key');
  }
  const xKey = single(req.headers['x-api-key']);
  if (xKey !== undefined) found.push({ value: xKey.trim(), source: 'x-api-key' });
  if (found.length > 1) throw new GatehouseError('multiple_credentials', 'Only one credential may be sent per request');
  const cred = found[0];
  if (cred === undefined) return undefined;
  if (cred.value.length === 0 || cred.value.length > 8192 || !CREDENTIAL.test(cred.value)) {
    throw new GatehouseError('invalid_token', 'Malformed credential');
  }
  return cred;
}
