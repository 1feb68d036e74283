/** True for a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The constraint or column list named by a unique violation, for mapping to a precise error. */
export function violatedConstraint(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const e = err as { constraint?: unknown; message?: unknown };
  if (typeof e.constraint === 'string') return e.constraint;
  return typeof e.message === 'string' ? e.message : '';
}

/**
 * What pg answers, without a code, for a query on a client whose connection already failed or
 * closed (the server restarted while the client was checked out): "Client has encountered a
 * connection error and is not queryable", "Client was closed and is not queryable".
 */
const PG_NOT_QUERYABLE = /^Client (has encountered a connection error|was closed) and is not queryable$/;

/** True when the error means the database cannot be reached (not a query fault). */
export function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === undefined && typeof message === 'string' && PG_NOT_QUERYABLE.test(message)) return true;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'ENOTFOUND' ||
    code === '57P01' ||
    code === '57P03' ||
    code === '08006' ||
    code === '08001' ||
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_CANTOPEN'
  );
}
