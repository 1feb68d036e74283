import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 33 base62 characters: 196 bits from the CSPRNG. */
const RANDOM_LENGTH = 33;
const CHECKSUM_LENGTH = 6;
/** Format version 1: 33 random + 6 checksum characters after the prefix. */
export const BODY_LENGTH = RANDOM_LENGTH + CHECKSUM_LENGTH;

export type KeyEnvironment = 'live' | 'test';

function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    out = (BASE62[v % 62] ?? '0') + out;
    v = Math.floor(v / 62);
  }
  return out;
}

function checksum(text: string): string {
  return base62(crc32(text), CHECKSUM_LENGTH);
}

/** The part before the random body: `sk_live_`, `sk_test_`, or a bare prefix such as `devmesh_`. */
export function keyPrefix(prefix: string, environment: KeyEnvironment): string {
  return prefix.endsWith('_') ? prefix : `${prefix}_${environment}_`;
}

/**
 * A new key: prefix, 196 random bits in base62 (double-click friendly, URL safe), and a CRC-32
 * checksum so typos and random strings are refused before any storage access. Secret scanners
 * match `sk_(live|test)_[0-9A-Za-z]{39}`.
 */
export function generateKey(prefix: string, environment: KeyEnvironment): string {
  let body = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) body += BASE62[randomInt(62)];
  const head = `${keyPrefix(prefix, environment)}${body}`;
  return `${head}${checksum(head)}`;
}

export interface ParsedKey {
  readonly environment: KeyEnvironment | undefined;
  readonly displayPrefix: string;
  readonly lastFour: string;
}

const BODY = new RegExp(`^[0-9A-Za-z]{${BODY_LENGTH}}$`);

/**
 * Checks shape and checksum without touching storage; undefined when the value is not a key of
 * this deployment's prefix.
 */
export function parseKey(value: string, prefix: string): ParsedKey | undefined {
  let environment: KeyEnvironment | undefined;
  let head: string;
  if (prefix.endsWith('_')) {
    if (!value.startsWith(prefix)) return undefined;
    head = prefix;
  } else if (value.startsWith(`${prefix}_live_`)) {
    environment = 'live';
    head = `${prefix}_live_`;
  } else if (value.startsWith(`${prefix}_test_`)) {
    environment = 'test';
    head = `${prefix}_test_`;
  } else return undefined;
  const body = value.slice(head.length);
  if (!BODY.test(body)) return undefined;
  const sum = body.slice(RANDOM_LENGTH);
  if (checksum(value.slice(0, value.length - CHECKSUM_LENGTH)) !== sum) return undefined;
  return { environment, displayPrefix: value.slice(0, head.length + 4), lastFour: value.slice(-4) };
}

/** Cheap test used to route a credential to API-key verification. */
export function looksLikeKey(value: string, prefix: string): boolean {
  return prefix.endsWith('_') ? value.startsWith(prefix) : value.startsWith(`${prefix}_live_`) || value.startsWith(`${prefix}_test_`);
}
