/**
 * A configuration option: where it comes from, its default, how to parse it, and its
 * documentation. `docs/configuration.md` is generated from these (scripts/gen-config-docs.ts).
 */
export interface Option<T> {
  readonly kind: string;
  readonly doc: string;
  /** Default value, or a function of the already-parsed earlier options. */
  readonly default: T | ((partial: Record<string, unknown>) => T);
  /** Human description of the default for the docs, when it is computed. */
  readonly defaultDoc?: string;
  /** Extra environment variable names understood for compatibility. */
  readonly aliases?: readonly string[];
  /** Marks secrets: never printed, never logged. */
  readonly secret?: boolean;
  /** Only settable in the config file (structured values). */
  readonly fileOnly?: boolean;
  /** Parses a raw value (a string from the environment, or JSON from the file). Throws a message. */
  parse(raw: unknown): T;
}

export type OptionValue<O> = O extends Option<infer T> ? T : never;

interface Common<T> {
  doc: string;
  default: T | ((partial: Record<string, unknown>) => T);
  defaultDoc?: string;
  aliases?: readonly string[];
  secret?: boolean;
}

function asString(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new Error(`expected a string, got ${describe(raw)}`);
}

export function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'an array';
  return typeof raw === 'object' ? 'an object' : `${typeof raw} ${JSON.stringify(raw)}`;
}

export function string<T extends string | undefined = string>(
  o: Common<T> & { pattern?: RegExp; patternDoc?: string; minLength?: number },
): Option<T> {
  return {
    kind: 'string',
    ...o,
    parse(raw) {
      const s = asString(raw);
      if (o.minLength !== undefined && s.length < o.minLength) throw new Error(`must be at least ${o.minLength} characters`);
      if (o.pattern && !o.pattern.test(s)) throw new Error(`must match ${o.patternDoc ?? String(o.pattern)}`);
      return s as T;
    },
  };
}

export function integer(o: Common<number> & { min?: number; max?: number }): Option<number> {
  return {
    kind: 'integer',
    ...o,
    parse(raw) {
      const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(asString(raw).trim()) ? Number(asString(raw).trim()) : Number.NaN;
      if (!Number.isSafeInteger(n)) throw new Error(`expected an integer, got ${describe(raw)}`);
      if (o.min !== undefined && n < o.min) throw new Error(`must be at least ${o.min}`);
      if (o.max !== undefined && n > o.max) throw new Error(`must be at most ${o.max}`);
      return n;
    },
  };
}

export function boolean(o: Common<boolean>): Option<boolean> {
  return {
    kind: 'boolean',
    ...o,
    parse(raw) {
      if (typeof raw === 'boolean') return raw;
      const s = asString(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      throw new Error(`expected true or false, got ${describe(raw)}`);
    },
  };
}

export function oneOf<const V extends string>(values: readonly V[], o: Common<V>): Option<V> {
  return {
    kind: values.map((v) => `\`${v}\``).join(' \\| '),
    ...o,
    parse(raw) {
      const s = asString(raw).trim();
      if (!(values as readonly string[]).includes(s)) throw new Error(`must be one of ${values.join(', ')}; got ${JSON.stringify(s)}`);
      return s as V;
    },
  };
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90`, `90s`, `15m`, `24h`, `7d` to seconds. */
export function parseDuration(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(asString(raw).trim());
  if (!m) throw new Error(`expected a duration such as 90s, 15m, 24h or 7d, got ${describe(raw)}`);
  return Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1);
}

/** A duration, held in seconds. */
export function duration(o: Common<number> & { min?: number; max?: number }): Option<number> {
  return {
    kind: 'duration',
    ...o,
    parse(raw) {
      const n = parseDuration(raw);
      if (o.min !== undefined && n < o.min) throw new Error(`must be at least ${o.min}s`);
      if (o.max !== undefined && n > o.max) throw new Error(`must be at most ${o.max}s`);
      return n;
    },
  };
}

/** A list: a JSON array, or a comma-separated string in the environment. */
/**
 * A JSON array, or the same written in a shell without quotes: `OAUTH2_ALGORITHMS=["RS256"]`
 * unquoted reaches the process as `[RS256]`, which is read as the list it was meant to be.
 */
function bracketList(s: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(s);
    if (!Array.isArray(parsed)) throw new Error('expected a JSON array');
    return parsed;
  } catch (err) {
    if (!s.endsWith(']') || /["{}[\]]/.test(s.slice(1, -1))) throw err;
    const inner = s.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((x) => x.trim());
  }
}

export function list<T extends string = string>(o: Common<readonly T[]> & { item?: (s: string) => T }): Option<readonly T[]> {
  return {
    kind: 'list',
    ...o,
    parse(raw) {
      let items: unknown[];
      if (Array.isArray(raw)) items = raw;
      else {
        const s = asString(raw).trim();
        if (s.startsWith('[')) items = bracketList(s);
        else items = s === '' ? [] : s.split(',').map((x) => x.trim());
      }
      return items.map((i) => {
        const s = asString(i);
        return o.item ? o.item(s) : (s as T);
      });
    },
  };
}

/** A structured value, settable only in the config file; `check` validates and returns it typed. */
export function structured<T>(o: Common<T> & { kind: string; check: (raw: unknown) => T }): Option<T> {
  return { ...o, fileOnly: true, parse: o.check };
}
