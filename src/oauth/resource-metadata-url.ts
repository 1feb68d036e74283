/**
 * Where Gatehouse serves a registered resource's RFC 9728 metadata: the resource identifier's
 * host and path under `/.well-known/oauth-protected-resource/` (the same suffix the resource
 * itself would use, so it can proxy the document as is).
 *
 * @example
 * resourceMetadataUrl('https://auth.example', 'https://api.example/mcp');
 * // 'https://auth.example/.well-known/oauth-protected-resource/api.example/mcp'
 */
export function resourceMetadataUrl(publicUrl: string, resource: string): string | undefined {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${publicUrl}/.well-known/oauth-protected-resource/${url.host}${path}`;
}

/** The candidate resource identifiers a metadata path suffix (`host/path`) stands for. */
export function identifiersForSuffix(suffix: string): string[] {
  const clean = suffix.replace(/^\/+/, '');
  if (clean === '' || clean.length > 2000) return [];
  const slash = clean.indexOf('/');
  const host = slash === -1 ? clean : clean.slice(0, slash);
  const path = slash === -1 ? '' : clean.slice(slash);
  return [
    `https://${host}${path}`,
    `http://${host}${path}`,
    `https://${host}${path === '' ? '/' : ''}`,
    `http://${host}${path === '' ? '/' : ''}`,
  ].filter((v, i, a) => a.indexOf(v) === i);
}
