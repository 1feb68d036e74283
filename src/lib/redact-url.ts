const REDACTED = '[redacted]';

/**
 * A URL's query string with every value replaced (`/p?api_key=[redacted]&x=[redacted]`); a bare
 * query (`/p?sk_live_…`) becomes `/p?[redacted]`. Names are kept, to tell requests apart. A
 * credential sent in a query string is refused (ERR-4005), and must not reach a log on the way.
 *
 * @example
 * redactQuery('/v1/x?access_token=abc&a') // '/v1/x?access_token=[redacted]&[redacted]'
 */
export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq === -1 ? (p === '' ? '' : REDACTED) : `${p.slice(0, eq)}=${REDACTED}`;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** A path followed by a query string, inside free text (a log message, an error's stack). */
const PATH_WITH_QUERY = /(\/[^\s?"'`<>]*)\?[^\s"'`<>]*/g;

/** Every `/path?query` in `text` with its query redacted (see `redactQuery`). Cheap when there is no `?`. */
export function redactQueriesIn(text: string): string {
  if (!text.includes('?')) return text;
  return text.replace(PATH_WITH_QUERY, (m) => redactQuery(m));
}
