import { newId } from '../lib/ids.ts';
import type { Db } from '../storage/index.ts';
import { mapUniqueViolation } from './errors.ts';
import type { MemorySpaceRow } from './tables.ts';

export async function createMemorySpace(
  db: Db,
  organizationId: string,
  name: string,
  description: string,
  now: number,
): Promise<MemorySpaceRow> {
  const row: MemorySpaceRow = {
    id: newId('spc', now),
    organization_id: organizationId,
    name,
    description,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('memory_spaces').values(row).execute().catch(mapUniqueViolation);
  return row;
}

/** A space of this organization only: another organization's space is not found. */
export async function findMemorySpace(db: Db, organizationId: string, idOrName: string): Promise<MemorySpaceRow | undefined> {
  return db
    .selectFrom('memory_spaces')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
}

/** A page of the organization's spaces; `only` restricts it to these names (a bound credential sees its own). */
export async function listMemorySpaces(
  db: Db,
  organizationId: string,
  limit: number,
  cursor?: string,
  only?: readonly string[],
): Promise<MemorySpaceRow[]> {
  if (only !== undefined && only.length === 0) return [];
  let q = db
    .selectFrom('memory_spaces')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .limit(limit + 1);
  if (cursor !== undefined) q = q.where('id', '>', cursor);
  if (only !== undefined) q = q.where('name', 'in', [...only]);
  return q.execute();
}

export async function updateMemorySpace(db: Db, id: string, patch: { name?: string; description?: string }, now: number): Promise<void> {
  await db
    .updateTable('memory_spaces')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .execute()
    .catch(mapUniqueViolation);
}

export async function deleteMemorySpace(db: Db, id: string): Promise<void> {
  await db.deleteFrom('memory_spaces').where('id', '=', id).execute();
}

export function renderMemorySpace(s: MemorySpaceRow) {
  return {
    id: s.id,
    organization_id: s.organization_id,
    name: s.name,
    description: s.description,
    created_at: new Date(s.created_at).toISOString(),
  };
}

/** Whether the organization has a memory space of this exact name (an indexed lookup). */
export async function memorySpaceExists(db: Db, organizationId: string, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('memory_spaces')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row !== undefined;
}
