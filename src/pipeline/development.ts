import { newId } from '../lib/ids.ts';
import type { Db } from '../storage/index.ts';
import type { Principal } from './principal.ts';

export const DEVELOPMENT_SLUG = 'development';

/**
 * The principal every request becomes in `disabled` mode: full access (`*`) to every memory space
 * of a development organization, created on first use.
 */
export async function developmentPrincipal(db: Db, now: number): Promise<Principal> {
  let org = await db.selectFrom('organizations').select('id').where('slug', '=', DEVELOPMENT_SLUG).executeTakeFirst();
  if (!org) {
    const id = newId('org', now);
    await db
      .insertInto('organizations')
      .values({
        id,
        name: 'Development',
        slug: DEVELOPMENT_SLUG,
        rate_limit_tier: null,
        personal_of: null,
        api_key_max_lifetime_days: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
    org = await db.selectFrom('organizations').select('id').where('slug', '=', DEVELOPMENT_SLUG).executeTakeFirstOrThrow();
  }
  return Object.freeze({
    kind: 'development',
    subject: 'development',
    organizationId: org.id,
    role: 'owner',
    scopes: ['*'],
    memorySpaces: '*',
    credentialId: 'development',
  });
}
