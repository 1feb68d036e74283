import type { AuditActor } from '../audit/audit.ts';
import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import { keyedHash, randomToken } from '../lib/secure.ts';
import { createInvitation, INVITATION_PREFIX } from './invitations.ts';
import { isMemberByEmail } from './memberships.ts';
import type { InvitationRow, Role } from './tables.ts';

export interface InviteInput {
  readonly organizationId: string;
  readonly email: string;
  readonly role: Role;
  /** The caller: their role in the organization (only owners invite owners), user id, audit actor. */
  readonly by: { readonly role: Role | null; readonly userId: string | null; readonly actor: AuditActor };
  /** Which route asked, for the audit trail. */
  readonly via: 'invitations' | 'members';
  readonly facts: { readonly ip: string | null; readonly userAgent?: string | null; readonly requestId: string | null };
}

/**
 * The one way a person is added to an organization: an invitation they accept (a new user sets a
 * password; an existing user accepts with their own session). Whether the email is registered is
 * never looked at here, so the answer (status, body, headers) and the work done (one membership
 * lookup by email, one insert) are the same for a registered and an unregistered address. Only an
 * existing member of this organization — whom the caller can list anyway — is `already_member`.
 */
export async function inviteByEmail(
  deps: Pick<CoreDeps, 'storage' | 'secrets' | 'clock' | 'audit'>,
  input: InviteInput,
): Promise<{ row: InvitationRow; token: string }> {
  if (input.role === 'owner' && input.by.role !== 'owner')
    throw new GatehouseError('insufficient_role', 'Only an owner may invite an owner');
  const db = deps.storage.db;
  if (await isMemberByEmail(db, input.organizationId, input.email)) throw new GatehouseError('already_member');
  const token = `${INVITATION_PREFIX}${randomToken(32)}`;
  const row = await createInvitation(
    db,
    {
      organizationId: input.organizationId,
      email: input.email,
      role: input.role,
      tokenHash: keyedHash(deps.secrets.pepper, token),
      invitedBy: input.by.userId,
    },
    deps.clock.now(),
  );
  deps.audit.record({
    action: 'invitation.created',
    outcome: 'success',
    organizationId: input.organizationId,
    actor: input.by.actor,
    target: { type: 'invitation', id: row.id },
    ip: input.facts.ip,
    userAgent: input.facts.userAgent ?? null,
    requestId: input.facts.requestId,
    details: { role: row.role, via: input.via },
  });
  return { row, token };
}
