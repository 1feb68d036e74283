/**
 * In-process: what Gatehouse's authentication pipeline (`services.authenticator.authenticate`:
 * extract → classify → verify → Principal, with its caches) costs per call, by credential, on the
 * same default configuration the HTTP benches use. Separates the cost of authentication from the
 * cost of the HTTP stack around it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/index.ts';
import { generateKey } from '../../src/credentials/api-keys/format.ts';
import { registerOrganization } from '../../src/identity/register.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices } from '../../src/services.ts';
import { breakSignature } from './forge.ts';
import { median } from './proc.ts';

export interface PipelineRow {
  case: string;
  /** Microseconds per authenticate() call. */
  us: number;
  ok: boolean;
}

export async function pipelineMicro(iterations: number, rounds: number): Promise<PipelineRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-pipeline-'));
  const config = loadConfig({ env: {}, overrides: { dataDir: dir, databaseUrl: `sqlite:${join(dir, 'g.db')}`, logLevel: 'silent' } });
  const services = await createServices(config, { log: createLogger('silent') });
  try {
    const { organization, user } = await registerOrganization(
      services.storage,
      { organizationName: 'Bench', organizationSlug: 'bench', email: 'b@example.com', name: 'B', password: 'bench password 123' },
      services.clock.now(),
    );
    const session = await services.sessions.start({ userId: user.id, organizationId: organization.id, role: 'owner' });
    const { key } = await services.apiKeys.create({
      organizationId: organization.id,
      createdBy: user.id,
      name: 'b',
      scopes: ['*'],
      memorySpaces: '*',
    });
    const token = session.access_token;
    const badToken = breakSignature(token);
    const fresh: string[] = [];
    for (let i = 0; i < iterations * (rounds + 1); i++) {
      const issued = await services.tokens.issueAccessToken({
        subject: user.id,
        organizationId: organization.id,
        role: 'owner',
        scopes: ['*'],
        sessionId: session.session_id,
      });
      fresh.push(issued.token);
    }
    let f = 0;
    // A different bad token every call, which the refusal cache has not seen.
    const freshBad = fresh.map(breakSignature);
    let g = 0;
    const unknownKey = generateKey('sk', 'live');
    const req = (headers: Record<string, string>) => ({
      headers,
      rawHeaders: Object.entries(headers).flat(),
      query: '',
      ip: '127.0.0.1',
    });
    const cases: [string, boolean, () => Record<string, string>][] = [
      ['valid API key (cached)', true, () => ({ 'x-api-key': key })],
      ['valid JWT, same token (cached)', true, () => ({ authorization: `Bearer ${token}` })],
      ['valid JWT, fresh token (full RS256 verify)', true, () => ({ authorization: `Bearer ${fresh[f++ % fresh.length]}` })],
      ['JWT with a bad signature, the same one (refusal cache)', false, () => ({ authorization: `Bearer ${badToken}` })],
      ['JWT with a bad signature, a new one each call', false, () => ({ authorization: `Bearer ${freshBad[g++ % freshBad.length]}` })],
      ['unknown API key (negative cache)', false, () => ({ 'x-api-key': unknownKey })],
    ];
    const times = new Map<string, number[]>();
    const outcomes = new Map<string, boolean>();
    for (let round = 0; round <= rounds; round++) {
      for (const [name, expectOk, headers] of cases) {
        let right = true;
        const t0 = performance.now();
        for (let i = 0; i < iterations; i++) {
          try {
            await services.authenticator.authenticate(req(headers()));
            if (!expectOk) right = false;
          } catch {
            if (expectOk) right = false;
          }
        }
        const us = ((performance.now() - t0) * 1000) / iterations;
        if (round > 0) times.set(name, [...(times.get(name) ?? []), us]); // round 0 warms up
        outcomes.set(name, (outcomes.get(name) ?? true) && right);
      }
    }
    return cases.map(([name]) => ({ case: name, us: median(times.get(name) ?? []), ok: outcomes.get(name) ?? false }));
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
