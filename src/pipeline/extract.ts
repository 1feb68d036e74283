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
  /**
   * What a sender-constrained credential is checked against (DPoP `htm`/`htu`, the client
   * certificate): computed only for a credential that is bound or sent with the `DPoP` scheme.
   */
  readonly sender?: () => SenderFacts;
}

/** The request as a sender constraint sees it. */
export interface SenderFacts {
  readonly method: string;
  /** Absolute URL the client addressed (DPoP `htu`). */
  readonly url: string;
  /** The `DPoP` header (a proof), as received. */
  readonly proof: string | string[] | undefined;
  /** `x5t#S256` of the client certificate of the connection (or of a trusted proxy's header), if any. */
  readonly certificateThumbprint: string | undefined;
}

/** Where a credential came from. */
/** `dpop`: `Authorization: DPoP <token>` (RFC 9449 §7.1), a token that must come with a proof. */
export type CredentialSource = 'bearer' | 'dpop' | 'api-key-scheme' | 'x-api-key';

export interface ExtractedCredential {
  readonly value: string;
  readonly source: CredentialSource;
}

/** Query parameters that carry credentials in other systems; refused here (they leak into logs). */
const QUERY_CREDENTIALS = /(?:^|&)(access_token|api_key|apikey|api-key|x-api-key|token)=/i;
const SCHEME = /^([A-Za-z][A-Za-z0-9-]*) +(\S+)$/;
/** A scheme with no credential at all (`Bearer`, or an empty header). */
const BARE_SCHEME = /^(?:[A-Za-z][A-Za-z0-9-]*)?$/;
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
    const trimmed = auth.trim();
    // No usable bearer credential (an empty Bearer, Basic, another scheme) is a 401 with a Bearer
    // challenge, as RFC 6750 §3.1 asks of a request without authentication information.
    if (BARE_SCHEME.test(trimmed)) throw new GatehouseError('credentials_missing', 'Missing bearer token');
    const m = SCHEME.exec(trimmed);
    if (!m) throw new GatehouseError('malformed_authorization', 'Authorization header must be "<scheme> <credential>"');
    const scheme = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (scheme === 'bearer') found.push({ value, source: 'bearer' });
    else if (scheme === 'dpop') found.push({ value, source: 'dpop' });
    else if (scheme === 'api-key' || scheme === 'apikey') found.push({ value, source: 'api-key-scheme' });
    else throw new GatehouseError('credentials_missing', 'Unsupported authorization scheme; use Bearer, DPoP or Api-Key');
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
