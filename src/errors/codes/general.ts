import type { ErrorSpec } from '../spec.ts';

/** Request-level problems (ERR-1xxx). */
export const generalErrors = {
  internal_error: {
    code: 'ERR-1000',
    status: 500,
    title: 'Internal server error',
    description: 'Something failed inside Gatehouse. The request id in the body finds the log line.',
  },
  validation_failed: {
    code: 'ERR-1001',
    status: 400,
    title: 'Request validation failed',
    description: 'A parameter is missing, of the wrong type or out of range. `errors` lists each one.',
    oauth: 'invalid_request',
  },
  malformed_json: {
    code: 'ERR-1002',
    status: 400,
    title: 'Malformed JSON body',
    description: 'The body is not valid JSON (or is empty where JSON was announced).',
    oauth: 'invalid_request',
  },
  payload_too_large: {
    code: 'ERR-1003',
    status: 413,
    title: 'Request body too large',
    description: 'The body exceeds the configured `bodyLimit`.',
  },
  headers_too_large: {
    code: 'ERR-1004',
    status: 431,
    title: 'Request header fields too large',
    description: 'The request headers exceed what the server accepts (Node.js `maxHeaderSize`).',
  },
  route_not_found: {
    code: 'ERR-1005',
    status: 404,
    title: 'Not found',
    description: 'No route answers this path.',
  },
  method_not_allowed: {
    code: 'ERR-1006',
    status: 405,
    title: 'Method not allowed',
    description: 'The path exists but not with this HTTP method; `Allow` lists the methods it takes.',
  },
  unsupported_media_type: {
    code: 'ERR-1007',
    status: 415,
    title: 'Unsupported media type',
    description: 'Send `Content-Type: application/json` (OAuth endpoints also take form encoding).',
  },
  storage_unavailable: {
    code: 'ERR-1008',
    status: 503,
    title: 'Storage unavailable',
    description: 'The database could not be reached. Retry later; nothing was changed.',
    oauth: 'temporarily_unavailable',
  },
  invalid_cursor: {
    code: 'ERR-1009',
    status: 400,
    title: 'Invalid pagination cursor',
    description: 'The `cursor` parameter was not produced by this server for this listing.',
    oauth: 'invalid_request',
  },
  bad_request: {
    code: 'ERR-1010',
    status: 400,
    title: 'Bad request',
    description: 'The request could not be understood (malformed syntax at the HTTP level).',
    oauth: 'invalid_request',
  },
  not_found: {
    code: 'ERR-1011',
    status: 404,
    title: 'Not found',
    description: 'The object does not exist or belongs to another organization; the two are indistinguishable on purpose.',
  },
} as const satisfies Record<string, ErrorSpec>;
