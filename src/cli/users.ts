import type { Command } from 'commander';
import { findUser, renderUser, setUserDisabled } from '../identity/users.ts';
import type { Services } from '../services.ts';
import { CliError, output, withServices } from './context.ts';

/**
 * `gatehouse user disable|enable`: an account, server-wide (a user may belong to several
 * organizations, so this is the operator's call). Disabling ends every session at once: the
 * user's refresh tokens stop, and so do the access tokens issued from them, on every running
 * server within a second (the `user` and `session` invalidations go through the change feed).
 */
export function registerUsers(program: Command): void {
  const user = program.command('user').description('disable or re-enable a user account');
  const toggle = (disabled: boolean) => async (ref: string, _opts: unknown, cmd: Command) => {
    await withServices(cmd, async (s: Services) => {
      const found = await findUser(s.storage.db, ref);
      if (!found) throw new CliError(`no user "${ref.slice(0, 200)}"`);
      const now = s.clock.now();
      await setUserDisabled(s.storage.db, found.id, disabled, now);
      const ended = disabled ? await s.sessions.revokeAllForUser(found.id, 'user_disabled') : 0;
      // Running servers drop what they cached about the user (through the change feed) within a second.
      s.bus.publish('user', found.id);
      s.audit.record({
        action: disabled ? 'user.disabled' : 'user.enabled',
        outcome: 'success',
        organizationId: null,
        actor: { type: 'system', id: null },
        target: { type: 'user', id: found.id },
        details: disabled ? { sessions_ended: ended } : {},
      });
      const view = { ...renderUser({ ...found, disabled_at: disabled ? now : null }), sessions_ended: ended };
      output(cmd, view, () =>
        disabled ? `disabled ${found.email} (${found.id}); ended ${ended} session(s)` : `enabled ${found.email} (${found.id})`,
      );
    });
  };
  user
    .command('disable')
    .description('stop a user from logging in and end their sessions now')
    .argument('<user>', 'id, email or username')
    .action(toggle(true));
  user.command('enable').description('let a disabled user log in again').argument('<user>', 'id, email or username').action(toggle(false));
}
