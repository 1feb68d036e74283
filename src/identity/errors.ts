import { GatehouseError } from '../errors/index.ts';
import { isUniqueViolation, violatedConstraint } from '../storage/index.ts';

/** Maps a unique violation on an identity table to its precise 409; rethrows anything else. */
export function mapUniqueViolation(err: unknown): never {
  if (isUniqueViolation(err)) {
    const c = violatedConstraint(err);
    if (c.includes('email_normalized')) throw new GatehouseError('email_taken');
    if (c.includes('username_normalized')) throw new GatehouseError('username_taken');
    if (c.includes('slug')) throw new GatehouseError('slug_taken');
    if (c.includes('memory_spaces')) throw new GatehouseError('memory_space_exists');
    if (c.includes('memberships')) throw new GatehouseError('already_member');
  }
  throw err;
}
