import type { Socket } from 'node:net';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { accessSink } from '../lib/logger.ts';
import { randomToken } from '../lib/secure.ts';
import type { Services } from '../services.ts';
import { sendProblem } from './error-handler.ts';
import { acceptEmptyJson } from './json-body.ts';
import { AccessLog } from './log-controller.ts';
import { notFoundError, trackRoutes } from './not-found.ts';
import { openApiDocument } from './openapi.ts';
import { collectProtectedRoutes } from './protected-routes.ts';
import { limitAnonymous } from './rate-limit.ts';
import { registerRoutes } from './routes/index.ts';
import { SECURITY_HEADER_LINES, SECURITY_HEADERS } from './security-headers.ts';
import { tlsServerFactory } from './tls.ts';
import './types.ts';
import { GatehouseError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors/index.ts';
import { checkBodyShape, validatorCompiler } from './validation.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Request ids: unique, not secret. A random per-process prefix and a counter cost nothing per
 * request, where drawing random bytes each time was a measurable share of a protected request.
 */
function requestIds(): () => string {
  const prefix = randomToken(6);
  let n = 0;
  return () => `req_${prefix}${(n++).toString(36)}`;
}

/** Raw answer for errors Node's HTTP parser raises before Fastify sees a request (e.g. 431). */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return;
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new GatehouseError('headers_too_large')
      : new GatehouseError('bad_request', 'The request could not be parsed');
  const body = JSON.stringify(toProblem(problem));
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n${SECURITY_HEADER_LINES}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The Fastify application: request ids, redacted logs, problem+json errors, OpenAPI, and every
 * route (plus `extra`, e.g. an embedding application's own routes). Listening is the caller's business (`gatehouse serve`, tests use `inject` or port 0).
 */
export async function buildApp(services: Services, extra?: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
  const { config } = services;
  const nextRequestId = requestIds();
  const serverFactory = tlsServerFactory(config);
  const accessLog = new AccessLog(
    services.metrics,
    config.accessLog && services.log.isLevelEnabled('info') ? accessSink(services.log) : undefined,
  );
  const app = Fastify({
    ...(serverFactory !== undefined ? { serverFactory } : {}),
    loggerInstance: services.log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : nextRequestId();
    },
    logController: accessLog,
    clientErrorHandler,
    // URLs the router refuses before any route runs: still one of our problems, never Fastify's JSON.
    frameworkErrors: (err, request, reply) => {
      const problem =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new GatehouseError('not_found', 'No such resource')
          : new GatehouseError('bad_request', 'Malformed URL');
      sendProblem(request, reply, problem, config.realm);
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  app.decorate('services', services);
  app.decorate('accessLog', accessLog);
  // The lines of the last requests go out before the logger's stream is flushed and closed.
  app.addHook('onClose', (_instance, done) => {
    accessLog.flush();
    done();
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('routeFacts', null);
  app.setValidatorCompiler(validatorCompiler);
  acceptEmptyJson(app);

  // One hook for what every request gets first (each hook run costs an iteration), and both hooks
  // in callback style: an async hook costs a promise and a microtask turn even when nothing in it
  // waits, and here only a rate limit kept in Redis does.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', String(request.id));
    reply.headers(SECURITY_HEADERS);
    // A NUL decoded from the path or query would reach storage (PostgreSQL refuses it in text).
    if (request.url.includes('%00')) {
      done(new GatehouseError('bad_request', 'The URL holds an encoded NUL (%00)'));
      return;
    }
    let limited: void | Promise<void>;
    try {
      limited = limitAnonymous(request, reply);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (limited instanceof Promise) limited.then(() => done(), done);
    else done();
  });

  // A POST without a body is an empty object: optional-body routes (logout, check) validate it.
  // A body nested too deeply is refused before anything recurses into it (validators, serialisers),
  // and one holding NUL before it reaches storage (PostgreSQL refuses it in text).
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD') request.body = {};
      else checkBodyShape(request.body);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });

  const methodsFor = trackRoutes(app);
  app.decorate('protectedRoutes', collectProtectedRoutes(app));
  app.setErrorHandler((err, request, reply) => sendProblem(request, reply, err, config.realm));
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, notFoundError(methodsFor, request.url), config.realm));

  await app.register(swagger, { openapi: openApiDocument(config) });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list' } });
  await registerRoutes(app);
  if (extra) await app.register(extra);
  await app.ready();
  return app;
}
