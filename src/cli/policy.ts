import type { Command } from 'commander';
import type { Rule } from '../edge/policy/index.ts';
import { CliError, configFor, output } from './context.ts';

/** Loaded on use: the policy parser (and YAML) stays out of every other command's start-up. */
async function loadFor(cmd: Command, file: string) {
  const { loadPolicyFile, PolicyError } = await import('../edge/policy/index.ts');
  const tiers = Object.keys(configFor(cmd).rateLimitTiers);
  try {
    return loadPolicyFile(file, { tiers });
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(err.message, 2);
    throw err;
  }
}

/** What a matched rule asks of a request, in words. */
function needs(rule: Rule, params: Readonly<Record<string, string>>, query: URLSearchParams): string[] {
  if (rule.public) return ['public: no credential needed (limited per client IP)'];
  const out = [rule.scopes.length > 0 ? `a valid credential with scopes: ${rule.scopes.join(' ')}` : 'a valid credential (no scope)'];
  const s = rule.memorySpace;
  if (s !== undefined) {
    const value = s.from === 'param' ? params[s.name] : s.from === 'query' ? (query.get(s.name) ?? undefined) : undefined;
    const where = s.from === 'param' ? `path parameter :${s.name}` : s.from === 'header' ? `header ${s.name}` : `query parameter ${s.name}`;
    out.push(`memory space from ${where}${value !== undefined ? ` = "${value}"` : ''}${s.required ? ' (required)' : ''}`);
  }
  if (rule.rateLimit !== undefined) out.push(`rate-limit tier ${rule.rateLimit} (a bucket per caller for this rule)`);
  if (rule.resourceMetadata !== undefined) out.push(`401 challenges name resource_metadata ${rule.resourceMetadata}`);
  return out;
}

/** `gatehouse policy check FILE` and `gatehouse policy explain FILE METHOD URL`. */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('route policies for forward-auth and the proxy');
  policy
    .command('check')
    .description('validate a route policy file (YAML or JSON); exit 2 and list every problem when it is invalid')
    .argument('<file>', 'the policy file')
    .action(async (file: string, _opts, cmd: Command) => {
      const p = await loadFor(cmd, file);
      output(cmd, { valid: true, unmatched: p.unmatched, rules: p.rules.map((r) => r.name) }, () =>
        [`${file}: valid, ${p.rules.length} rule(s); requests no rule matches: ${p.unmatched}`, ...p.rules.map((r) => `  ${r.name}`)].join(
          '\n',
        ),
      );
    });
  policy
    .command('explain')
    .description('say which rule of a policy matches a request, why the earlier ones do not, and what it needs')
    .argument('<file>', 'the policy file')
    .argument('<method>', 'HTTP method, e.g. GET')
    .argument('<url>', 'full URL (http://host/path?query) or a path with --host')
    .option('--host <host>', 'the Host when <url> is a path', 'localhost')
    .action(async (file: string, method: string, url: string, opts: { host: string }, cmd: Command) => {
      const { explainRoute } = await import('../edge/policy/index.ts');
      const p = await loadFor(cmd, file);
      let parsed: URL;
      try {
        parsed = url.startsWith('/') ? new URL(`http://${opts.host}${url}`) : new URL(url);
      } catch {
        throw new CliError(`not a URL or path: ${url.slice(0, 200)}`);
      }
      // The raw path as sent: WHATWG URL would already have removed dot segments.
      const rawPath = url.startsWith('/') ? url.split('?')[0] : (/^[a-z]+:\/\/[^/]*(\/[^?#]*)?/i.exec(url)?.[1] ?? '/');
      const req = { method: method.toUpperCase(), host: parsed.host, path: rawPath ?? '/' };
      const { match, verdicts } = explainRoute(p, req);
      const result = {
        request: req,
        verdicts,
        outcome:
          match.kind === 'rule'
            ? { rule: match.rule.name, params: match.params, needs: needs(match.rule, match.params, parsed.searchParams) }
            : match.kind === 'invalid'
              ? { refused: `400 ERR-9002: ${match.reason}` }
              : {
                  unmatched:
                    match.unmatched === 'deny'
                      ? 'denied: 403 ERR-9001 (unmatched: deny)'
                      : 'any valid credential (unmatched: authenticate)',
                },
      };
      output(cmd, result, () => {
        const lines = [`${req.method} ${req.host}${req.path}`];
        for (const v of verdicts) lines.push(`  ${v.matched ? '✔' : '✘'} ${v.rule}: ${v.reason}`);
        if (match.kind === 'rule')
          lines.push(`→ rule ${match.rule.name}`, ...needs(match.rule, match.params, parsed.searchParams).map((n) => `  needs ${n}`));
        else if (match.kind === 'invalid') lines.push(`→ refused with 400 (ERR-9002): ${match.reason}`);
        else lines.push(`→ no rule matches: ${match.unmatched === 'deny' ? 'denied with 403 (ERR-9001)' : 'any valid credential'}`);
        return lines.join('\n');
      });
    });
}
