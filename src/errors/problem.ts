import type { GatehouseError } from './gatehouse-error.ts';

/** RFC 9457 problem details as Gatehouse renders them. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  error: string;
  request_id?: string;
  [member: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** The documentation anchor a problem's `type` points at. */
export function problemType(code: string): string {
  return `/docs/errors#${code.toLowerCase()}`;
}

export function toProblem(err: GatehouseError, requestId?: string): ProblemBody {
  const body: ProblemBody = {
    ...err.extras.fields,
    type: problemType(err.code),
    title: err.spec.title,
    status: err.status,
    detail: err.detail,
    code: err.code,
    error: err.error,
  };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/**
 * An RFC 6750 quoted value: printable ASCII without double quote and backslash (§3). Anything else a detail may
 * hold (a caller's input with CR/LF, NUL or non-ASCII) becomes `?`, so a header can never fail to be written.
 */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '').replace(/[^\x20-\x7e]/g, '?')}"`;
}

/**
 * RFC 6750 §3 challenge for a problem on a protected resource, or undefined when the
 * problem is not an authentication one.
 */
export function bearerChallenge(err: GatehouseError, realm = 'gatehouse'): string | undefined {
  const { status, oauth } = err.spec;
  if (status === 401 && err.error === 'credentials_missing') return `Bearer realm=${quote(realm)}`;
  if (status !== 401 && !(status === 403 && oauth === 'insufficient_scope') && !(status === 400 && oauth === 'invalid_request')) {
    return undefined;
  }
  const word = oauth ?? 'invalid_token';
  const parts = [`realm=${quote(realm)}`, `error=${quote(word)}`, `error_description=${quote(err.detail)}`];
  if (err.extras.scope !== undefined) parts.push(`scope=${quote(err.extras.scope)}`);
  return `Bearer ${parts.join(', ')}`;
}
