import type { Kysely } from 'kysely';

/** The invitee's name, as the inviter wrote it: the account's display name unless acceptance gives one. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invitations').addColumn('name', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invitations').dropColumn('name').execute();
}
