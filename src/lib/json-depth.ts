/** How deep a request body may nest objects and arrays (`{}` at the top is depth 1). */
export const BODY_MAX_DEPTH = 32;

/**
 * Whether `value` (parsed JSON) nests objects and arrays deeper than `max`. Iterative, so a
 * hostile document cannot overflow the stack here, and it stops at the first level too deep —
 * everything that recurses later (serialisers, validators, problem rendering) is then safe.
 *
 * @example
 * exceedsDepth(JSON.parse('{"a":{"b":[1]}}'), 2) // true: three levels
 */
export function exceedsDepth(value: unknown, max: number): boolean {
  return inspectJson(value, max)?.problem === 'too_deep';
}

/** What `inspectJson` found wrong, and where (a JSON pointer, `''` for the document itself). */
export interface JsonShapeProblem {
  readonly problem: 'too_deep' | 'nul';
  readonly pointer: string;
}

/**
 * One pass over a request body: `too_deep` when it nests deeper than `max`, `nul` when a string
 * or a member name holds U+0000 (PostgreSQL cannot store it in text, and no field of ours takes
 * it), else undefined.
 */
export function inspectJson(value: unknown, max: number): JsonShapeProblem | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? { problem: 'nul', pointer: '' } : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const stack: [unknown, number, string][] = [[value, 1, '']];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth, pointer] = next;
    if (depth > max) return { problem: 'too_deep', pointer };
    const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node as object);
    for (const [key, child] of entries) {
      if (key.includes('\u0000')) return { problem: 'nul', pointer };
      if (typeof child === 'string') {
        if (child.includes('\u0000')) return { problem: 'nul', pointer: `${pointer}/${key}` };
      } else if (child !== null && typeof child === 'object') stack.push([child, depth + 1, `${pointer}/${key}`]);
    }
  }
  return undefined;
}
