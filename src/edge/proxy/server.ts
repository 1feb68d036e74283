import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { GatehouseError } from '../../errors/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { randomToken } from '../../lib/secure.ts';
import { decideEdge, type EdgeDecision, type EdgeDeps } from '../decide.ts';
import { problemResponse } from '../problem-response.ts';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.ts';

export interface ProxyOptions extends EdgeDeps {
  /** Base URL of the protected service, e.g. `http://127.0.0.1:8000`. */
  readonly upstream: URL;
  /** Ms the upstream may take to send response headers before the caller gets 504. */
  readonly timeoutMs: number;
  readonly log: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Splits `req.url` (origin-form) into path and query. */
function target(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/**
 * `gatehouse proxy`: an HTTP server that decides every request in-process (the same edge decision
 * as `/v1/forward-auth`) and streams the allowed ones to the upstream, with `X-Gatehouse-*`
 * identity headers in place of the caller's credential. Upstream failures are 502/504
 * problem+json; WebSocket upgrades and server-sent events pass through after the decision.
 *
 * @example
 * const server = createProxyServer({ services, policy, realm, upstream: new URL('http://127.0.0.1:8000'), timeoutMs: 30_000, log });
 * server.listen(8090);
 */
export function createProxyServer(opts: ProxyOptions): Server {
  const { upstream, log } = opts;
  const prefix = randomToken(6);
  let n = 0;
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  const basePath = upstream.pathname.replace(/\/$/, '');

  function requestId(req: IncomingMessage): string {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${prefix}${(n++).toString(36)}`;
  }

  async function decide(req: IncomingMessage, id: string): Promise<EdgeDecision> {
    const { path, query } = target(req.url ?? '/');
    const ua = req.headers['user-agent'];
    return decideEdge(opts, {
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      path,
      query,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      ip: req.socket.remoteAddress ?? '',
      userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
      requestId: id,
    });
  }

  function outgoing(req: IncomingMessage, d: EdgeDecision, id: string, upgrade?: string) {
    return {
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: `${basePath}${req.url ?? '/'}`,
      headers: upstreamRequestHeaders(req.headers, d.identity, {
        ip: req.socket.remoteAddress ?? '',
        proto: 'http',
        requestId: id,
        ...(upgrade !== undefined ? { upgrade } : {}),
      }),
    };
  }

  function fail(res: ServerResponse, err: unknown, id: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const p = problemResponse(err, opts.realm, id);
    res.writeHead(p.status, p.headers).end(JSON.stringify(p.body));
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = requestId(req);
    let decision: EdgeDecision;
    try {
      decision = await decide(req, id);
    } catch (err) {
      if (!(err instanceof GatehouseError)) log.error({ err, request_id: id }, 'proxy decision failed');
      req.resume();
      fail(res, err, id);
      return;
    }
    const up = send(outgoing(req, decision, id));
    const timer = setTimeout(() => up.destroy(new GatehouseError('upstream_timeout')), opts.timeoutMs);
    up.on('response', (upRes) => {
      clearTimeout(timer);
      res.writeHead(upRes.statusCode ?? 502, { ...clientResponseHeaders(upRes.headers), ...decision.rateLimit, 'x-request-id': id });
      res.flushHeaders();
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    up.on('error', (err) => {
      clearTimeout(timer);
      const timeout = err instanceof GatehouseError;
      if (!timeout) log.warn({ request_id: id, code: (err as NodeJS.ErrnoException).code }, 'upstream unreachable');
      fail(res, timeout ? err : new GatehouseError('upstream_unavailable', 'The upstream service could not be reached'), id);
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }

  /** Raw HTTP/1.1 answer on an upgrade socket (no ServerResponse there). */
  function rawAnswer(socket: Duplex, status: number, headers: Record<string, string | string[] | number | undefined>, body = ''): void {
    const lines = [`HTTP/1.1 ${status} ${status === 101 ? 'Switching Protocols' : 'Gatehouse'}`];
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const id = requestId(req);
    socket.on('error', () => socket.destroy());
    let decision: EdgeDecision;
    try {
      decision = await decide(req, id);
    } catch (err) {
      const p = problemResponse(err, opts.realm, id);
      const body = JSON.stringify(p.body);
      rawAnswer(socket, p.status, { ...p.headers, 'content-length': Buffer.byteLength(body), connection: 'close' }, body);
      socket.end();
      return;
    }
    const kind = typeof req.headers.upgrade === 'string' ? req.headers.upgrade : 'websocket';
    const up = send(outgoing(req, decision, id, kind));
    const timer = setTimeout(() => up.destroy(new GatehouseError('upstream_timeout')), opts.timeoutMs);
    up.on('upgrade', (upRes, upSocket, upHead) => {
      clearTimeout(timer);
      rawAnswer(socket, 101, { ...upRes.headers, ...decision.rateLimit });
      if (upHead.length > 0) socket.write(upHead);
      if (head.length > 0) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      upSocket.on('error', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      upSocket.on('close', () => socket.destroy());
    });
    up.on('response', (upRes) => {
      // The upstream refused the upgrade: pass its answer on.
      clearTimeout(timer);
      rawAnswer(socket, upRes.statusCode ?? 502, {
        ...clientResponseHeaders(upRes.headers),
        connection: 'close',
        'transfer-encoding': undefined,
      });
      upRes.pipe(socket);
    });
    up.on('error', (err) => {
      clearTimeout(timer);
      const p = problemResponse(err instanceof GatehouseError ? err : new GatehouseError('upstream_unavailable'), opts.realm, id);
      const body = JSON.stringify(p.body);
      rawAnswer(socket, p.status, { ...p.headers, 'content-length': Buffer.byteLength(body), connection: 'close' }, body);
      socket.end();
    });
    up.end();
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => fail(res, err, requestId(req)));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch(() => socket.destroy());
  });
  return server;
}
