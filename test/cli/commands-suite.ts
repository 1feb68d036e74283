/**
 * The operator commands as a subprocess, on both backends: `migrate`, `init`, `keys list|rotate`
 * — `--help`, `--json`, and bad input (a non-zero exit, a clear first line, no secret).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BackendName } from '../support/backends.ts';
import { cliWorkspace } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const PASSWORD = 'an owner password for the cli test';
registerSecret(PASSWORD);

/** The operator commands suite on one backend; `commands-<backend>.test.ts` runs it, one file each so files stay short. */
export function commandsSuite(backend: BackendName): void {
  describe(`operator commands (${backend})`, () => {
    const ws = cliWorkspace(backend);
    const { run } = ws;
    before(ws.setup);
    after(ws.dispose);

    test('--help for every command exits 0 and names its options', {
      skip: backend === 'postgres' && 'help text does not touch storage',
    }, () => {
      for (const [args, expect] of [
        [['--help'], /serve[\s\S]*migrate[\s\S]*init[\s\S]*keys[\s\S]*token[\s\S]*auth/],
        [['init', '--help'], /--org <name>[\s\S]*--email <email>[\s\S]*--password-stdin/],
        [['migrate', '--help'], /apply pending database migrations/],
        [['keys', '--help'], /list[\s\S]*rotate/],
        [['keys', 'list', '--help'], /no key material/],
        [['keys', 'rotate', '--help'], /stays published/],
        [['serve', '--help'], /start the HTTP server/],
        [['token', '--help'], /add[\s\S]*list[\s\S]*show[\s\S]*remove[\s\S]*rotate/],
        [['token', 'add', '--help'], /--description[\s\S]*--expires-days[\s\S]*--scopes[\s\S]*--org[\s\S]*--memory-space[\s\S]*--env/],
        [['token', 'list', '--help'], /--org/],
        [['token', 'show', '--help'], /unique prefix/],
        [['token', 'remove', '--help'], /--force/],
        [['token', 'rotate', '--help'], /--grace/],
        [['auth', 'create-key', '--help'], /--name[\s\S]*--scopes/],
      ] as const) {
        const res = run([...args]);
        assert.equal(res.status, 0, `${args.join(' ')}: ${res.stderr}`);
        assert.match(res.stdout, expect, args.join(' '));
      }
    });

    test('migrate applies every migration once; --json says which', () => {
      const first = run(['migrate', '--json']);
      assert.equal(first.status, 0, first.stderr);
      const applied = JSON.parse(first.stdout).applied as string[];
      assert.ok(applied.length >= 5, first.stdout);
      assert.deepEqual(applied, [...applied].sort());
      const again = run(['migrate']);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(again.stdout.trim(), 'database is up to date');
      assert.deepEqual(JSON.parse(run(['migrate', '--json']).stdout), { applied: [] });
    });

    test('init, then keys list and rotate (--json: ISO times, no key material)', () => {
      const init = run(['init', '--org', 'Acme', '--email', 'ada@example.com', '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(init.status, 0, init.stderr);
      assert.match(
        init.stdout,
        /^created organization Acme \(acme, org_[0-9a-z]{26}\)\ncreated owner ada@example\.com \(usr_[0-9a-z]{26}\)\n/,
      );
      assert.ok(!init.stdout.includes(PASSWORD) && !init.stderr.includes(PASSWORD));

      const list = run(['keys', 'list', '--json']);
      assert.equal(list.status, 0, list.stderr);
      const keys = JSON.parse(list.stdout) as Record<string, unknown>[];
      assert.equal(keys.length, 1);
      assert.deepEqual(Object.keys(keys[0] ?? {}).sort(), ['alg', 'created_at', 'expires_at', 'kid', 'retired_at', 'status']);
      assert.equal(keys[0]?.status, 'active');
      assert.match(String(keys[0]?.created_at), /^\d{4}-\d\d-\d\dT/);

      const rotated = run(['keys', 'rotate', '--json']);
      assert.equal(rotated.status, 0, rotated.stderr);
      const next = JSON.parse(rotated.stdout) as { kid: string; status: string };
      assert.equal(next.status, 'active');
      const text = run(['keys', 'list']);
      assert.equal(text.status, 0, text.stderr);
      const lines = text.stdout.trim().split('\n');
      assert.match(lines[0] ?? '', /^KID\s+ALG\s+STATUS\s+CREATED\s+PUBLISHED UNTIL$/);
      assert.match(lines[1] ?? '', new RegExp(`^${next.kid}\\s+RS256\\s+active\\s`));
      assert.match(lines[2] ?? '', new RegExp(`^${String(keys[0]?.kid)}\\s+RS256\\s+retired\\s+\\S+\\s+\\d{4}-`));
      for (const out of [list.stdout, rotated.stdout, text.stdout]) assert.doesNotMatch(out, /PRIVATE|"d"|"k"/);
    });

    test('bad input: non-zero exit, a clear first line on stderr, nothing on stdout', () => {
      const cases: [string[], string, RegExp][] = [
        [['init', '--org', 'Other', '--email', 'bob@example.com', '--password-stdin'], `${PASSWORD}\n`, /already has users/],
        [['init', '--org', 'Other', '--email', 'bob\u0001@example.com', '--password-stdin'], `${PASSWORD}\n`, /invalid email/],
        [['init', '--org', '!!!', '--email', 'bob@example.com', '--password-stdin'], `${PASSWORD}\n`, /invalid slug/],
        [['init', '--email', 'bob@example.com', '--password-stdin'], '', /required option '--org <name>'/],
        [['init', '--org', 'Xy', '--email', 'bob@example.com', '--password-stdin'], 'x'.repeat(300), /8 to 256 characters/],
        [['keys', 'rotate', 'extra'], '', /too many arguments/],
        [['keys', 'list', '--bogus'], '', /unknown option '--bogus'/],
        [['keys', 'shred'], '', /unknown command 'shred'|too many arguments/],
        [['nope'], '', /unknown command 'nope'/],
      ];
      for (const [args, input, message] of cases) {
        const res = run(args, input);
        assert.notEqual(res.status, 0, args.join(' '));
        assert.match(res.stderr.split('\n')[0] ?? '', message, `${args.join(' ')}: ${res.stderr}`);
        assert.equal(res.stdout, '', args.join(' '));
        assert.ok(!res.stderr.includes(PASSWORD));
      }
    });
  });
}
