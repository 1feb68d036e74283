import type { Storage } from '../storage/index.ts';
import { openPrivateKey, openWithAny, sealPrivateKey } from './key-material.ts';

export interface ReencryptResult {
  /** Signing keys stored. */
  readonly keys: number;
  /** Of those, re-sealed now (the others were already under the current key). */
  readonly reencrypted: number;
}

function opensWith(kek: Buffer, kid: string, sealed: string): boolean {
  try {
    openPrivateKey(kek, kid, sealed);
    return true;
  } catch {
    return false;
  }
}

/**
 * Re-seals every signing key under `current`, opening each with `current` or one of `previous`,
 * in one transaction: if any key opens with none of them, nothing changes. Running it again is a
 * no-op, so an interrupted rotation is finished by running it again.
 */
export async function reencryptSigningKeys(storage: Storage, current: Buffer, previous: readonly Buffer[]): Promise<ReencryptResult> {
  return storage.transaction(async (trx) => {
    const rows = await trx.selectFrom('signing_keys').select(['kid', 'private_key_enc']).execute();
    let reencrypted = 0;
    for (const row of rows) {
      if (opensWith(current, row.kid, row.private_key_enc)) continue;
      let plain: Buffer;
      try {
        plain = openWithAny(previous, row.kid, row.private_key_enc);
      } catch {
        throw new Error(`signing key ${row.kid} opens with none of the configured key-encryption keys; nothing was changed`);
      }
      await trx
        .updateTable('signing_keys')
        .set({ private_key_enc: sealPrivateKey(current, row.kid, plain) })
        .where('kid', '=', row.kid)
        .execute();
      reencrypted++;
    }
    return { keys: rows.length, reencrypted };
  });
}
