import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configurationMarkdown, errorsMarkdown } from '../../scripts/gen-docs.ts';

test('docs/configuration.md is generated from the config schema (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/configuration.md', 'utf8'), configurationMarkdown());
});

test('docs/errors.md is generated from the error registry (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), errorsMarkdown());
});
