/**
 * Runs after every other test (see `npm test`): no secret any test registered with
 * `registerSecret` may appear in any log line the suite produced.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const DIR = join(process.cwd(), '.tmp', 'test-logs');

test('no secret used by the test suite appears in any log line it produced', () => {
  if (!existsSync(DIR)) return;
  const files = readdirSync(DIR);
  const secrets = new Set<string>();
  for (const f of files.filter((f) => f.endsWith('.secrets'))) {
    for (const line of readFileSync(join(DIR, f), 'utf8').split('\n')) if (line) secrets.add(Buffer.from(line, 'base64').toString('utf8'));
  }
  const logs = files
    .filter((f) => f.endsWith('.log'))
    .map((f) => readFileSync(join(DIR, f), 'utf8'))
    .join('\n');
  const leaked = [...secrets].filter((s) => logs.includes(s));
  assert.deepEqual(
    leaked.map((s) => `${s.slice(0, 6)}…`),
    [],
    'secrets found in logs',
  );
});
