import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { type ErrorName, GatehouseError } from '../errors/index.ts';
import { isSpaceName, nameProblem } from '../identity/normalize.ts';
import { BODY_MAX_DEPTH, exceedsDepth, inspectJson } from '../lib/json-depth.ts';

/**
 * Gatehouse's own schema keywords, each refused with its own stable code (see error-handler.ts):
 * - `'x-human-name': true` — a name people read (src/identity/normalize.ts `nameProblem`);
 * - `'x-space-name': true` — the memory-space naming rule;
 * - `maxDepth: n` — free-form JSON (e.g. `metadata`) nests at most n levels.
 */
export const KEYWORD_ERRORS: Readonly<Record<string, { readonly error: ErrorName; readonly message: string }>> = {
  'x-human-name': {
    error: 'invalid_name',
    message: 'must not be blank nor contain control, zero-width, line-separator or bidirectional-override characters',
  },
  'x-space-name': { error: 'invalid_memory_space_name', message: 'is not a valid memory space name (1-64 of A-Z a-z 0-9 _ . : -)' },
  'x-max-depth': { error: 'json_too_deep', message: 'nests too deeply' },
};

/**
 * Two validators: bodies are validated strictly (no type coercion, unknown properties rejected
 * where the schema says `additionalProperties: false`); query strings, params and headers are
 * strings on the wire, so they are coerced.
 */
function make(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  formats.default(ajv);
  ajv.addKeyword({ keyword: 'example' });
  ajv.addKeyword({
    keyword: 'x-human-name',
    type: 'string',
    schemaType: 'boolean',
    validate: (_: boolean, s: string) => nameProblem(s) === undefined,
  });
  ajv.addKeyword({ keyword: 'x-space-name', type: 'string', schemaType: 'boolean', validate: (_: boolean, s: string) => isSpaceName(s) });
  ajv.addKeyword({
    keyword: 'x-max-depth',
    type: ['object', 'array'],
    schemaType: 'number',
    validate: (max: number, data: unknown) => !exceedsDepth(data, max),
  });
  return ajv;
}

const strict = make(false);
const coercing = make(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema as object) as ValidateFunction;
};

/**
 * Runs on every parsed body before its schema: deeper than BODY_MAX_DEPTH is `json_too_deep`, a
 * NUL character anywhere is `validation_failed` — both before anything recurses or stores.
 */
export function checkBodyShape(body: unknown): void {
  const found = inspectJson(body, BODY_MAX_DEPTH);
  if (found?.problem === 'too_deep') throw new GatehouseError('json_too_deep', `body nests deeper than ${BODY_MAX_DEPTH} levels`);
  if (found?.problem === 'nul')
    throw new GatehouseError(
      'validation_failed',
      `body${found.pointer.slice(0, 100)} holds a NUL character (U+0000), which no field accepts`,
    );
}
