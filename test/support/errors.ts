import assert from 'node:assert/strict';
import { GatehouseError } from '../../src/errors/index.ts';

/** The name of the GatehouseError `fn` throws, or `'none'` when it returns. */
export function errorName(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatehouseError);
    return err.error;
  }
  return 'none';
}
