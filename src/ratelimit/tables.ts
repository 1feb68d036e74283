/** One brute-force counter (an account or a client IP on one surface). Times are epoch milliseconds. */
export interface AttemptFailureRow {
  /** `surface:acct:<hash>` or `surface:ip:<address>`: never an identifier in clear. */
  key: string;
  /** Failures within the window, counting from the first one after the last quiet window. */
  failures: number;
  last_failure_at: number;
  /** 0 when not locked. */
  locked_until: number;
}

export interface LimitTables {
  attempt_failures: AttemptFailureRow;
}
