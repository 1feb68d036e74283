import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino replaces with `[redacted]` on every line: credentials, cookies, passwords and tokens,
 * wherever a careless log call might put them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.password',
  '*.new_password',
  '*.current_password',
  '*.admin_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.key',
  '*.api_key',
  '*.secret',
  '*.client_secret',
  'password',
  'token',
  'key',
];

/** The process logger. `destination` defaults to stdout (tests pass a stream to capture lines). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gatehouse' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
