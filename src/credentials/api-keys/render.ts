import type { ApiKeyRow } from '../api-key-tables.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The state of a key at `now`. */
export function keyState(row: ApiKeyRow, now: number): 'active' | 'rotating' | 'revoked' | 'expired' {
  if (row.revoked_at !== null && row.revoked_at <= now) return 'revoked';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  return row.revoked_at !== null ? 'rotating' : 'active';
}

export function parseSpaces(raw: string): readonly string[] | '*' {
  const v: unknown = JSON.parse(raw);
  return v === '*' ? '*' : (v as string[]);
}

/** The public, masked view of a key: never the key, never its hash. */
export function renderKey(row: ApiKeyRow, now: number) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    organization_id: row.organization_id,
    created_by: row.created_by,
    environment: row.environment,
    prefix: row.display_prefix,
    masked_key: `${row.display_prefix}…${row.last_four}`,
    scopes: JSON.parse(row.scopes) as string[],
    memory_spaces: parseSpaces(row.memory_spaces),
    allowed_cidrs: row.allowed_cidrs === null ? null : (JSON.parse(row.allowed_cidrs) as string[]),
    certificate_thumbprint: row.cert_thumbprint ?? null,
    rate_limit: row.rate_limit,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    state: keyState(row, now),
    expires_at: iso(row.expires_at),
    created_at: iso(row.created_at),
    last_used_at: iso(row.last_used_at),
    usage_count: row.usage_count,
    revoked_at: iso(row.revoked_at),
    rotated_from: row.rotated_from,
    rotated_to: row.rotated_to,
  };
}
