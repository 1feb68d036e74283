/**
 * Generates docs/configuration.md (from the config schema) and docs/errors.md (from the error
 * registry). `npm run docs` writes them; test/docs/generated.test.ts fails when they drift.
 */
import { writeFileSync } from 'node:fs';
import { configSchema, envName } from '../src/config/index.ts';
import type { Option } from '../src/config/option.ts';
import { ERRORS } from '../src/errors/index.ts';

function defaultText(o: Option<unknown>): string {
  if (o.defaultDoc) return o.defaultDoc;
  if (typeof o.default === 'function') return '(computed)';
  if (o.default === undefined) return '(unset)';
  if (Array.isArray(o.default)) return o.default.length ? `\`${JSON.stringify(o.default)}\`` : '`[]`';
  if (typeof o.default === 'object' && o.default !== null) return `\`${JSON.stringify(o.default)}\``;
  return `\`${String(o.default)}\``;
}

export function configurationMarkdown(): string {
  const rows = Object.entries(configSchema).map(([key, raw]) => {
    const o = raw as Option<unknown>;
    const env = o.fileOnly ? '(file only)' : [envName(key), ...(o.aliases ?? [])].map((e) => `\`${e}\``).join(', ');
    const doc = `${o.doc}${o.secret ? ' **Secret:** never logged.' : ''}`.replace(/\|/g, '\\|');
    return `| \`${key}\` | ${env} | ${o.kind} | ${defaultText(o)} | ${doc} |`;
  });
  return `# Configuration

<!-- Generated from src/config/options/*.ts by \`npm run docs\`. Do not edit by hand. -->

Gatehouse reads its configuration once at start: defaults, then a JSON file (\`--config FILE\`,
\`$GATEHOUSE_CONFIG\`, or \`./gatehouse.config.json\` when present), then environment variables,
which win. Unknown keys in the file and unknown \`GATEHOUSE_*\` variables are errors, reported
all at once with a suggestion. Durations take \`90s\`, \`15m\`, \`24h\`, \`7d\` or plain seconds; lists
take a JSON array or, in the environment, a comma-separated string.

| option (file key) | environment | type | default | description |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

export function errorsMarkdown(): string {
  const rows = Object.entries(ERRORS)
    .sort(([, a], [, b]) => a.code.localeCompare(b.code))
    .map(([name, e]) => {
      const oauth = 'oauth' in e && e.oauth ? `\`${e.oauth}\`` : '';
      return `| <a id="${e.code.toLowerCase()}"></a>\`${e.code}\` | \`${name}\` | ${e.status} | ${oauth} | ${e.title} | ${e.description.replace(/\|/g, '\\|')} |`;
    });
  return `# Errors

<!-- Generated from src/errors/codes/*.ts by \`npm run docs\`. Do not edit by hand. -->

Every error is an \`application/problem+json\` body (RFC 9457):

\`\`\`json
{
  "type": "/docs/errors#err-4004",
  "title": "Token has expired",
  "status": 401,
  "detail": "Token has expired",
  "code": "ERR-4004",
  "error": "token_expired",
  "request_id": "req_…"
}
\`\`\`

\`code\` and \`error\` are stable: match on them, not on \`detail\`. A 401 also carries
\`WWW-Authenticate: Bearer realm="gatehouse", error="…", error_description="…"\` (RFC 6750); a 403
for a missing scope names it in \`scope="…"\`; a 429 carries \`Retry-After\`. The OAuth column is the
RFC 6749/6750 error word used in challenges and OAuth endpoint bodies.

| code | error | status | OAuth | title | meaning |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync('docs/configuration.md', configurationMarkdown());
  writeFileSync('docs/errors.md', errorsMarkdown());
  process.stdout.write('wrote docs/configuration.md, docs/errors.md\n');
}
