import type { Principal } from '../pipeline/principal.ts';

/** Every identity header Gatehouse sets; a proxy strips any of these a caller sends. */
export const IDENTITY_HEADER_PREFIX = 'x-gatehouse-';

/**
 * The `X-Gatehouse-*` headers an upstream reads instead of verifying anything itself. Values are
 * ids and scope names (never a secret); absent fields are left out, never sent empty.
 *
 * @example
 * identityHeaders(principal, 'tenant_acme')['x-gatehouse-subject']; // 'usr_…'
 */
export function identityHeaders(p: Principal, memorySpace: string | undefined): Record<string, string> {
  const h: Record<string, string> = {
    'x-gatehouse-subject': encodeHeader(p.subject),
    'x-gatehouse-kind': p.kind,
    'x-gatehouse-organization': p.organizationId,
    'x-gatehouse-scopes': p.scopes.join(' '),
    'x-gatehouse-credential-id': p.credentialId,
  };
  if (p.userId !== undefined) h['x-gatehouse-user'] = p.userId;
  if (p.role !== null) h['x-gatehouse-role'] = p.role;
  if (memorySpace !== undefined) h['x-gatehouse-memory-space'] = encodeHeader(memorySpace);
  return h;
}

/** Header values must be visible ASCII; anything else is percent-encoded. */
function encodeHeader(value: string): string {
  return /^[\x21-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
