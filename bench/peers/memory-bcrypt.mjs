/**
 * Peer 5: the seed design of a popular agent-memory server, written here from its documented
 * behaviour: API tokens are stored bcrypt-hashed (cost 10) in SQLite, and a presented token is
 * compared with `bcrypt.compare` against the stored hashes, one after the other, until one matches.
 * 100 stored tokens; the token the harness uses is the 50th (the median position), so a valid
 * request costs 50 comparisons and an invalid one 100.
 *
 * One concession to the harness, which only helps this peer: the loop stops when the client has
 * gone (otherwise comparisons queued by a finished run would steal the CPU from the next one).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { announce, port } from './ready.mjs';

const STORED = 100;
const COST = 10;
const dir = mkdtempSync(join(tmpdir(), 'gh-bench-memory-'));
const db = new Database(join(dir, 'memory.db'));
db.pragma('journal_mode = WAL');
db.exec(
  'create table api_tokens (id integer primary key, name text not null, token_hash text not null, revoked integer not null default 0)',
);
const tokens = Array.from({ length: STORED }, () => `mem_${randomBytes(24).toString('hex')}`);
const hashes = await Promise.all(tokens.map((t) => bcrypt.hash(t, COST)));
const insert = db.prepare('insert into api_tokens (name, token_hash) values (?, ?)');
db.transaction(() => {
  for (const [i, h] of hashes.entries()) insert.run(`token ${i}`, h);
})();
const active = db.prepare('select id, token_hash from api_tokens where revoked = 0 order by id');

const app = Fastify({ logger: false });
app.addHook('onRequest', async (request, reply) => {
  const header = request.headers.authorization ?? '';
  const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
  if (presented) {
    for (const row of active.all()) {
      if (request.raw.socket?.destroyed) return reply;
      if (await bcrypt.compare(presented, row.token_hash)) return;
    }
  }
  reply.code(401).send({ error: 'invalid token' });
  return reply;
});
app.get('/protected', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
announce(app.server, {
  headers: { authorization: `Bearer ${tokens[STORED / 2 - 1]}` },
  invalidHeaders: { authorization: `Bearer mem_${randomBytes(24).toString('hex')}` },
});
