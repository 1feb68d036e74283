const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * A value safe to put in a response header. Values Gatehouse echoes (an external issuer's `sub`,
 * a name) may hold CR/LF, NUL or non-ASCII, which Node refuses to write (the response would fail
 * after the handler ran); those are percent-encoded (UTF-8, as `encodeURIComponent` does).
 * Printable ASCII, the common case, passes through unchanged.
 *
 * @example
 * headerValue('usr_01h…') // unchanged
 * headerValue('jöe')      // 'j%C3%B6e'
 */
export function headerValue(value: string): string {
  if (PRINTABLE.test(value)) return value;
  // encodeURIComponent throws on lone surrogates; make the string well-formed first.
  return encodeURIComponent(value.replace(/[\ud800-\udfff]/gu, '\ufffd'));
}
