import fastifyStatic from '@fastify/static';
import Fastify, { FastifyInstance, FastifyReply } from 'fastify';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { ConfigError, messageOf } from '../../errors';
import { ApiSource } from './apiSource';
import { registerApiRoutes } from './apiRoutes';
import { Access, BearerAuth, installBearerAuth } from './auth';
import { HttpConfig } from './httpConfig';
import { errorResponse } from './httpErrors';
import { IecHandler, registerIecRoute } from './iecRoute';
import { PipelineMetrics } from './pipelineMetrics';
import { checkReadiness, ReadinessCheck } from './readiness';
import { StatusStreams } from './statusStream';

export interface HttpServerOptions {
  config: HttpConfig;
  source: ApiSource;
  /** What `/readyz` requires; every one must pass. */
  readiness: readonly ReadinessCheck[];
  metrics: PipelineMetrics;
  /** Serves `POST /iec`; without it the route does not exist (404). */
  iec?: IecHandler;
  log: (line: string) => void;
  /** Wall clock (epoch ms): "now" for group membership and default time ranges. */
  now?: () => number;
}

export interface RunningHttpServer {
  /** `http://host:port`, with the port the system picked when configured as 0. */
  readonly url: string;
  readonly port: number;
  /**
   * Graceful shutdown: stops accepting connections, ends the event streams, lets
   * requests in flight finish for up to the shutdown timeout, then cuts what is left.
   * Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * derstream's HTTP server (Fastify): `/healthz`, `/readyz`, `/metrics`, the JSON API
 * under `/api` (apiRoutes.ts), `POST /iec` and the dashboard's files at `/`. Every
 * error answers JSON `{error, message}`, plus `parameter` for a bad one (400).
 * Requests are not logged, so no token or query can reach a log; 500s are, by route.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: false,
    // Bounds how long a client may take to send a request, so slow senders cannot pile up
    // connections; responses (event streams) are not bound by it.
    requestTimeout: 30_000,
    // As long as Node lets a request line be (its 16 KiB header limit), so that every id in a
    // path reaches checkId and its 400 naming the rule: the router answers 404 to a longer one.
    routerOptions: { maxParamLength: 16_384 },
    // Errors raised before routing (a malformed URL) answer in the same JSON as the rest.
    frameworkErrors: (error, _request, reply) => {
      const { statusCode, body } = errorResponse(error, config.maxBodyBytes);
      return (reply as FastifyReply).code(statusCode).send(body);
    },
  });
  const streams = new StatusStreams(options.source.statusVersions);

  const auth = new BearerAuth(config.apiTokens);
  const guarded = new Set<Access>(['api']);
  if (config.protectMetrics) guarded.add('metrics');
  if (config.protectHealth) guarded.add('health');
  installBearerAuth(app, auth, guarded);
  app.setErrorHandler((error, request, reply) => {
    const { statusCode, body } = errorResponse(error, config.maxBodyBytes);
    if (statusCode >= 500) {
      log(`http: ${request.method} ${request.routeOptions.url ?? '?'}: ${messageOf(error)}`);
    }
    return reply.code(statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
  const closeConnections = trackConnections(app.server);
  app.addHook('preClose', (done) => {
    streams.closeAll();
    closeConnections();
    done();
  });

  app.get('/healthz', { config: { access: 'health' } }, async () => ({ status: 'alive' }));
  app.get('/readyz', { config: { access: 'health' } }, async (_request, reply) => {
    const report = await checkReadiness(options.readiness, config.readinessTimeoutMs);
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  app.get('/metrics', { config: { access: 'metrics' } }, async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );
  registerApiRoutes(app, options.source, streams, now);
  if (options.iec !== undefined) registerIecRoute(app, options.iec, config.maxBodyBytes);
  if (config.dashboardDir !== undefined) {
    await app.register(fastifyStatic, { root: config.dashboardDir, prefix: '/', dotfiles: 'ignore' });
  }

  await listen(app, config);
  const { port } = app.server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log(`http: listening on ${url}${config.dashboardDir === undefined ? ' (no dashboard folder)' : ''}`);
  if (auth.open) {
    log(
      `http: warning: DERSTREAM_API_TOKENS is not set, so /api and /iec are open to anyone reaching ${url}`,
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => (closing ??= closeGracefully(app, config.shutdownTimeoutMs)),
  };
}

async function listen(app: FastifyInstance, config: HttpConfig): Promise<void> {
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      throw new ConfigError('DERSTREAM_HTTP_PORT', `port ${config.port} on ${config.host} is already in use`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new ConfigError('DERSTREAM_HTTP_HOST', `cannot bind ${config.host} on this machine`);
    }
    if (code === 'EACCES') {
      throw new ConfigError('DERSTREAM_HTTP_PORT', `port ${config.port} needs privileges this process lacks`);
    }
    throw error;
  }
}

/**
 * Returns what starts a graceful close of the connections: each one with no request in
 * flight is ended now, each other one as soon as its last request is answered. Node's
 * own closing leaves both kinds open: connections that never sent a request (browsers
 * and fetch open them ahead of need) and keep-alive connections whose request finishes
 * after shutdown began; each would hold shutdown until the deadline.
 */
function trackConnections(server: Server): () => void {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  });
  return () => {
    closing = true;
    for (const [socket, requests] of inFlight) if (requests === 0) socket.end();
  };
}

async function closeGracefully(app: FastifyInstance, timeoutMs: number): Promise<void> {
  const deadline = setTimeout(() => app.server.closeAllConnections(), timeoutMs);
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}
