import type { Principal } from '../../../pipeline/principal.ts';

/** The Principal as JSON (snake_case, ISO times). Holds no secret by construction. */
export function renderPrincipal(p: Principal): Record<string, unknown> {
  return {
    kind: p.kind,
    subject: p.subject,
    organization_id: p.organizationId,
    role: p.role,
    scopes: p.scopes,
    memory_spaces: p.memorySpaces,
    credential_id: p.credentialId,
    ...(p.sessionId !== undefined ? { session_id: p.sessionId } : {}),
    ...(p.userId !== undefined ? { user_id: p.userId } : {}),
    ...(p.act !== undefined ? { act: p.act } : {}),
    ...(p.issuer !== undefined ? { issuer: p.issuer } : {}),
    ...(p.rateLimitPolicy !== undefined ? { rate_limit_policy: p.rateLimitPolicy } : {}),
    expires_at: p.expiresAt !== undefined ? new Date(p.expiresAt).toISOString() : null,
  };
}
