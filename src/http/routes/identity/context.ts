import type { FastifyRequest } from 'fastify';
import { authorize, type Requirement } from '../../../authorization/index.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { findOrganization } from '../../../identity/organizations.ts';
import type { OrganizationRow } from '../../../identity/tables.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import type { Db } from '../../../storage/index.ts';
import { principalOf } from '../../auth.ts';

/**
 * The organization named by the `{org}` path parameter, checked against the caller: another
 * organization's is a 404, exactly like a missing one.
 */
export async function organizationFor(
  request: FastifyRequest<{ Params: { org: string } }>,
  need: Omit<Requirement, 'organizationId'> = {},
): Promise<{ org: OrganizationRow; principal: Principal }> {
  const principal = principalOf(request);
  const org = await ownOrganization(request.server.services.storage.db, principal, request.params.org);
  authorize(principal, need);
  return { org, principal };
}

/**
 * The organization named by id or slug (in a path or a body field such as `organization_id`),
 * which must be the caller's: another organization's is a 404, exactly like a missing one.
 */
export async function ownOrganization(db: Db, principal: Principal, ref: string): Promise<OrganizationRow> {
  const org = await findOrganization(db, ref);
  if (!org || org.id !== principal.organizationId) throw new GatehouseError('not_found', 'Organization not found');
  return org;
}

/** Actor of an audit event for a principal. */
export function actorOf(p: Principal) {
  return { type: p.kind === 'api_key' ? 'api_key' : p.kind === 'oauth_client' ? 'oauth_client' : p.kind, id: p.subject } as const;
}

/** Cursor pagination: `limit + 1` rows were fetched; the extra one says there is a next page. */
export function page<T extends { id: string }>(rows: readonly T[], limit: number): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? (data[data.length - 1]?.id ?? null) : null };
}

const CURSOR = /^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$/;

export function checkCursor(cursor: string | undefined): string | undefined {
  if (cursor !== undefined && !CURSOR.test(cursor)) throw new GatehouseError('invalid_cursor');
  return cursor;
}
