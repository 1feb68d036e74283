import { scopesForRole } from '../authorization/roles.ts';
import { intersectScopes } from '../authorization/scopes.ts';
import { EVERY_ENTRY } from '../cluster/invalidation.ts';
import type { CoreDeps } from '../deps.ts';
import { ExpiringCache } from '../lib/expiring-cache.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { Db } from '../storage/index.ts';
import type { Role } from './tables.ts';

/** What a user may do in one organization right now: their role there and its scopes. */
export interface Standing {
  readonly role: Role;
  readonly scopes: readonly string[];
}

/**
 * Who a credential speaks for. Every credential made by or for a user (a session's access token,
 * a key the user made, a key minted by that key, a user-delegated OAuth token) acts as that user:
 * its scopes are intersected with what the user may do now, and it carries the user's current role,
 * so an object-level rule written once holds for every credential kind.
 */
export interface PartyResolver {
  /**
   * The principal narrowed to its user's current standing, or `undefined` when that user may do
   * nothing in the principal's organization any more (removed, disabled, deleted). Principals
   * with no user behind them (operator service keys, client-credential tokens) come back as they are.
   */
  actAs(principal: Principal): Promise<Principal | undefined>;
  /** The user's current standing in the organization, `undefined` when they have none. */
  standing(organizationId: string, userId: string): Promise<Standing | undefined>;
}

interface Entry {
  readonly standing: Standing | undefined;
  /** Narrowed principals, per verified principal object: the hot path is two map lookups. */
  readonly narrowed: WeakMap<Principal, Principal>;
}

async function loadStanding(db: Db, organizationId: string, userId: string): Promise<{ role: Role } | undefined> {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('memberships.role')
    .where('memberships.organization_id', '=', organizationId)
    .where('memberships.user_id', '=', userId)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Cached per (organization, user) for `apiKeyCacheTtl` seconds and dropped at once when the bus
 * says a user (`user`: disabled, enabled, deleted), a membership (`membership`: role changed,
 * removed) or an organization (`organization`: deleted) changed, in every process that hears it.
 *
 * @example
 * const parties = createPartyResolver(deps);
 * const acting = await parties.actAs(principal); // undefined: the user behind it has no access now
 */
export function createPartyResolver(deps: CoreDeps): PartyResolver {
  const { storage, clock, bus, config } = deps;
  const cache = new ExpiringCache<Entry>(config.apiKeyCacheSize);
  const ttl = config.apiKeyCacheTtl * 1000;
  /** Bumped on every invalidation: a lookup that raced one is used once but not cached. */
  let generation = 0;

  const drop = (test: (key: string) => boolean) => (id: string) => {
    generation++;
    if (id === EVERY_ENTRY) cache.clear();
    else cache.deleteWhere((_v, key) => test(key));
  };
  bus.subscribe('user', (userId) => drop((key) => key.endsWith(`\n${userId}`))(userId));
  bus.subscribe('membership', (id) => drop((key) => key === id.replace(':', '\n'))(id));
  bus.subscribe('organization', (orgId) => drop((key) => key.startsWith(`${orgId}\n`))(orgId));

  async function entry(organizationId: string, userId: string): Promise<Entry> {
    const key = `${organizationId}\n${userId}`;
    const now = clock.now();
    const hit = cache.get(key, now);
    if (hit) return hit;
    const seen = generation;
    const row = await loadStanding(storage.db, organizationId, userId);
    const e: Entry = {
      standing: row ? { role: row.role, scopes: scopesForRole(row.role, config.roleScopes) } : undefined,
      narrowed: new WeakMap(),
    };
    if (seen === generation) cache.set(key, e, now + ttl);
    return e;
  }

  return {
    async standing(organizationId, userId) {
      return (await entry(organizationId, userId)).standing;
    },
    async actAs(principal) {
      if (principal.userId === undefined || principal.kind === 'external' || principal.kind === 'development') return principal;
      const e = await entry(principal.organizationId, principal.userId);
      if (e.standing === undefined) return undefined;
      const done = e.narrowed.get(principal);
      if (done) return done;
      const acting: Principal = Object.freeze({
        ...principal,
        role: e.standing.role,
        scopes: Object.freeze(intersectScopes(principal.scopes, e.standing.scopes)),
      });
      e.narrowed.set(principal, acting);
      return acting;
    },
  };
}
