import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractCredential, type RequestLike } from '../../src/pipeline/index.ts';
import { errorName } from '../support/errors.ts';

function req(headers: Record<string, string>, query = '', rawHeaders?: string[]): RequestLike {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { headers: lower, query, ip: '127.0.0.1', rawHeaders: rawHeaders ?? Object.entries(headers).flat() };
}

test('no credential → undefined', () => {
  assert.equal(extractCredential(req({})), undefined);
});

test('Bearer, Api-Key and X-API-Key; the scheme is case-insensitive; the credential is untouched', () => {
  assert.deepEqual(extractCredential(req({ Authorization: 'Bearer AbC.dEf.GhI' })), { value: 'AbC.dEf.GhI', source: 'bearer' });
  assert.deepEqual(extractCredential(req({ Authorization: 'bEaReR AbC' })), { value: 'AbC', source: 'bearer' });
  assert.deepEqual(extractCredential(req({ Authorization: 'Api-Key sk_live_X' })), { value: 'sk_live_X', source: 'api-key-scheme' });
  assert.deepEqual(extractCredential(req({ 'X-API-Key': 'sk_live_Y' })), { value: 'sk_live_Y', source: 'x-api-key' });
});

test('two credentials in one request are refused', () => {
  assert.equal(
    errorName(() => extractCredential(req({ Authorization: 'Bearer a', 'X-API-Key': 'b' }))),
    'multiple_credentials',
  );
  assert.equal(
    errorName(() => extractCredential(req({ authorization: 'Bearer a' }, '', ['Authorization', 'Bearer a', 'authorization', 'Bearer b']))),
    'multiple_credentials',
  );
});

test('credentials in the query string are refused', () => {
  for (const q of ['access_token=x', 'a=1&api_key=x', 'apikey=x', 'token=x']) {
    assert.equal(
      errorName(() => extractCredential(req({}, q))),
      'credential_in_query',
      q,
    );
  }
  assert.equal(extractCredential(req({}, 'page=2&tokenizer=x')), undefined);
});

test('no usable bearer credential (empty Bearer, Basic, another scheme) is a missing credential', () => {
  for (const Authorization of ['Bearer', 'Bearer   ', 'bearer', '', 'Basic dXNlcjpwYXNz', 'Digest x']) {
    assert.equal(
      errorName(() => extractCredential(req({ Authorization }))),
      'credentials_missing',
      JSON.stringify(Authorization),
    );
  }
});

test('malformed Authorization headers and garbage credentials', () => {
  assert.equal(
    errorName(() => extractCredential(req({ Authorization: 'Bearer a b' }))),
    'malformed_authorization',
  );
  assert.equal(
    errorName(() => extractCredential(req({ 'X-API-Key': 'a"b<script>' }))),
    'invalid_token',
  );
  assert.equal(
    errorName(() => extractCredential(req({ Authorization: `Bearer ${'a'.repeat(9000)}` }))),
    'invalid_token',
  );
});
