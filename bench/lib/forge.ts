/**
 * The token with one signature character changed, 20 from the end (never the last, whose low bits
 * are padding and may decode to the same bytes): still well-formed, its signature wrong.
 */
export function breakSignature(token: string): string {
  const at = token.length - 20;
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
}
