/**
 * Runs after every other test (see `npm test`): no secret any test registered with
 * `registerSecret` may appear in any log line the suite produced, nor in any audit event a test
 * app stored (dumped by `createTestApp().close()` into `.tmp/test-logs/<pid>.events`).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const DIR = join(process.cwd(), '.tmp', 'test-logs');

function files(suffix: string): string[] {
  return existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith(suffix)) : [];
}

function read(suffix: string): string {
  return files(suffix)
    .map((f) => readFileSync(join(DIR, f), 'utf8'))
    .join('\n');
}

function secrets(): Set<string> {
  const out = new Set<string>();
  for (const line of read('.secrets').split('\n')) if (line) out.add(Buffer.from(line, 'base64').toString('utf8'));
  return out;
}

/** Where a secret might hide in a stored row: as is, and as JSON escapes it (both are searched). */
function leaks(haystack: string): string[] {
  return [...secrets()].filter((s) => haystack.includes(s) || haystack.includes(JSON.stringify(s).slice(1, -1)));
}

test('no secret used by the test suite appears in any log line it produced', () => {
  const leaked = leaks(read('.log'));
  assert.deepEqual(
    leaked.map((s) => `${s.slice(0, 6)}…`),
    [],
    'secrets found in logs',
  );
});

test('no secret used by the test suite appears in any audit event it stored', () => {
  const events = read('.events');
  if (files('.log').length > 0) assert.ok(events.trim().length > 0, 'the suite wrote logs but no audit events were dumped for the scan');
  const leaked = leaks(events);
  assert.deepEqual(
    leaked.map((s) => `${s.slice(0, 6)}…`),
    [],
    'secrets found in stored audit events',
  );
});
