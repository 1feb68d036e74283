/** A signing key. The private half is encrypted with the key-encryption key. */
export interface SigningKeyRow {
  kid: string;
  alg: string;
  /** Public JWK as JSON (for HS256: null, the secret is private). */
  public_jwk: string | null;
  /** AES-256-GCM encrypted private key material (base64url of iv|tag|ciphertext). */
  private_key_enc: string;
  /** active | retired */
  status: string;
  created_at: number;
  retired_at: number | null;
  /** After this time the key is no longer published nor accepted (retired_at + max token lifetime). */
  expires_at: number | null;
}

export interface TokenTables {
  signing_keys: SigningKeyRow;
}
