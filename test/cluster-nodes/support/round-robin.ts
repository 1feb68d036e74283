import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

/**
 * The load balancer of the cluster suite: each request goes to the next node in turn. A node
 * that refuses the connection (dead) is skipped, as a balancer's health check would; a request
 * whose node fails mid-way answers 502.
 */
export interface RoundRobin {
  readonly url: string;
  /** Node base URLs (`http://127.0.0.1:port`), settable after start. */
  targets: string[];
  close(): Promise<void>;
}

function forward(
  target: string,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  const url = new URL(req.url ?? '/', target);
  const headers = { ...req.headers, host: url.host, connection: 'close' } as Record<string, string | string[]>;
  const xff = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = xff ? `${String(xff)}, ${req.socket.remoteAddress ?? ''}` : (req.socket.remoteAddress ?? '');
  return new Promise((resolve, reject) => {
    const up = httpRequest(url, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    up.on('error', reject);
    up.end(body);
  });
}

export async function startRoundRobin(): Promise<RoundRobin> {
  let next = 0;
  const state = { targets: [] as string[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const n = state.targets.length;
      // Each request tries every node once, from its own turn on. (Reading a shared counter per
      // attempt let concurrent requests push one another onto the same dead nodes three times.)
      const start = next++;
      for (let attempt = 0; attempt < n; attempt++) {
        const target = state.targets[(start + attempt) % n] as string;
        try {
          const out = await forward(target, req, body);
          const { connection: _c, 'transfer-encoding': _t, ...headers } = out.headers;
          res.writeHead(out.status, headers);
          res.end(out.body);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') break;
        }
      }
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get targets() {
      return state.targets;
    },
    set targets(t: string[]) {
      state.targets = t;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
