import type { AuditEventInput } from './audit.ts';

/** Limits on what one event may carry. */
export const AUDIT_LIMITS = {
  action: 100,
  id: 200,
  type: 50,
  ip: 64,
  userAgent: 256,
  requestId: 100,
  detailKeys: 20,
  detailKey: 64,
  detailValue: 200,
} as const;

export const REDACTED = '[redacted]';

/**
 * Detail keys that name secret material. Identifiers, counts, types and times of such things are
 * fine (`token_id`, `key_count`); their values are not. (`code` alone is an error code such as
 * `ERR-6001`; an OAuth code's value is caught by its shape.)
 */
const SECRET_KEY =
  /pass(word|wd|phrase)?|secret|token|api[_-]?key|^key$|[_-]key$|private|credential|authorization|cookie|pepper|hash|otp|verifier|auth(orization)?_code|assertion|signature/i;
const HARMLESS_SUFFIX = /_(id|ids|type|count|at|prefix|kind)$/i;

/** Credential shapes that must never be stored, anywhere in a value. */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  // JWS/JWT compact serialisation (header starts with `{"`).
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  // API keys (`sk_live_…`, `devmesh_…` and the like: a prefix then 39 base62 characters).
  /\b[a-z][a-z0-9]{0,15}_(?:(?:live|test)_)?[0-9A-Za-z]{39}\b/g,
  // Refresh tokens and invitation tokens.
  /\bgh[a-z]_[A-Za-z0-9_-]{20,}/g,
  // An Authorization header value.
  /\b(?:Bearer|Basic|Api-Key)\s+\S+/gi,
];

/**
 * A long run of token characters mixing upper case, lower case and digits: the shape of random
 * secrets (base64url, base62). Our ids are lower case and never match.
 */
const HIGH_ENTROPY = /[A-Za-z0-9_\-+/=~]{24,}/g;
const MIXED = (w: string) => /[A-Z]/.test(w) && /[a-z]/.test(w) && /[0-9]/.test(w);

/** Replaces every credential-shaped part of `value` with `[redacted]`. */
export function redactCredentials(value: string): string {
  let out = value;
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/** `redactCredentials`, and also any high-entropy word (free text such as details, user agents). */
export function redactSecrets(value: string): string {
  return redactCredentials(value).replace(HIGH_ENTROPY, (w) => (MIXED(w) ? REDACTED : w));
}

/** Drops control characters and caps the length. */
function clip(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function text(value: string | null | undefined, max: number, redact: (v: string) => string): string | null {
  if (value === null || value === undefined || value === '') return null;
  return clip(redact(String(value)), max);
}

/** True when a detail key names secret material. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !HARMLESS_SUFFIX.test(key);
}

/** Details with secret-named keys redacted, secret-shaped values redacted, sizes capped. */
export function sanitizeDetails(details: AuditEventInput['details']): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  if (!details || typeof details !== 'object') return out;
  let n = 0;
  for (const [rawKey, value] of Object.entries(details)) {
    if (n++ >= AUDIT_LIMITS.detailKeys) break;
    const key = clip(rawKey.replace(/[^A-Za-z0-9_.-]/g, '_'), AUDIT_LIMITS.detailKey);
    if (isSecretKey(key)) out[key] = REDACTED;
    else if (typeof value === 'string') out[key] = clip(redactSecrets(value), AUDIT_LIMITS.detailValue);
    else if (typeof value === 'number') out[key] = Number.isFinite(value) ? value : null;
    else if (typeof value === 'boolean' || value === null) out[key] = value;
    else out[key] = REDACTED; // not a documented detail type: never stringify unknown objects
  }
  return out;
}

/** An event made safe to store: no secret, no control character, no unbounded field. */
export interface SanitizedEvent {
  readonly action: string;
  readonly outcome: AuditEventInput['outcome'];
  readonly organizationId: string | null;
  readonly actorType: string;
  readonly actorId: string | null;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly details: Record<string, string | number | boolean | null>;
}

const OUTCOMES = new Set(['success', 'failure', 'denied']);

/**
 * Sanitises one event. Identifiers lose only credential shapes (an external subject may look
 * random and still be an id); free text also loses anything high-entropy.
 *
 * @example
 * sanitizeEvent({ action: 'x', outcome: 'success', organizationId: null, actor: { type: 'system', id: null },
 *   details: { password: 'hunter2' } }).details; // { password: '[redacted]' }
 */
export function sanitizeEvent(input: AuditEventInput): SanitizedEvent {
  const action = clip(String(input.action).replace(/[^a-z0-9_.:-]/gi, '_'), AUDIT_LIMITS.action) || 'unknown';
  const target = input.target ?? null;
  return {
    action,
    outcome: OUTCOMES.has(input.outcome) ? input.outcome : 'failure',
    organizationId: text(input.organizationId, AUDIT_LIMITS.id, redactCredentials),
    actorType: text(input.actor?.type, AUDIT_LIMITS.type, redactSecrets) ?? 'anonymous',
    actorId: text(input.actor?.id, AUDIT_LIMITS.id, redactCredentials),
    targetType: target ? text(target.type, AUDIT_LIMITS.type, redactSecrets) : null,
    targetId: target ? text(target.id, AUDIT_LIMITS.id, redactCredentials) : null,
    ip: text(input.ip, AUDIT_LIMITS.ip, redactSecrets),
    userAgent: text(input.userAgent, AUDIT_LIMITS.userAgent, redactSecrets),
    requestId: text(input.requestId, AUDIT_LIMITS.requestId, redactSecrets),
    details: sanitizeDetails(input.details),
  };
}
