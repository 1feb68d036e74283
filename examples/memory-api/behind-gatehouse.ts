import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MemoryStore } from './store.ts';

const ROUTE = /^\/v1\/spaces\/([^/?]+)\/memories(?:\?.*)?$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The memory API as it runs behind nginx forward-auth or `gatehouse proxy`: it verifies nothing
 * itself and reads who is calling from the `X-Gatehouse-*` headers the front sets (so it must
 * listen where only the front can reach it: loopback). It still refuses a request without an
 * identity, or for another space than the one Gatehouse decided on.
 */
export function memoryApiBehindGatehouse(store = new MemoryStore()): Server {
  return createServer((req, res) => {
    if (req.url === '/health') return json(res, 200, { status: 'ok' });
    const m = ROUTE.exec(req.url ?? '');
    if (!m?.[1]) return json(res, 404, { error: 'not_found' });
    const space = decodeURIComponent(m[1]);
    const org = header(req, 'x-gatehouse-organization');
    const subject = header(req, 'x-gatehouse-subject');
    if (org === undefined || subject === undefined) return json(res, 401, { error: 'no identity from the front' });
    if (header(req, 'x-gatehouse-memory-space') !== space) return json(res, 403, { error: 'space not decided by Gatehouse' });
    if (req.method === 'GET') {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? undefined;
      return json(res, 200, { space, memories: store.recall(org, space, q) });
    }
    if (req.method !== 'POST') return json(res, 405, { error: 'method_not_allowed' });
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      let text: unknown;
      try {
        text = (JSON.parse(body) as { text?: unknown }).text;
      } catch {
        text = undefined;
      }
      if (typeof text !== 'string' || text === '') return json(res, 400, { error: 'send {"text": "…"}' });
      json(res, 201, store.remember(org, space, text, subject));
    });
  });
}
