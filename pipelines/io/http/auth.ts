import { createHash, timingSafeEqual } from 'node:crypto';
import { FastifyInstance } from 'fastify';

export type AuthResult = 'ok' | 'missing' | 'invalid';

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens.
 *
 * Only SHA-256 digests of the tokens are kept, and a presented token is hashed and
 * compared with every one of them in constant time, with no early exit: how long the
 * check takes says nothing about how much of a token was right, how long the real
 * ones are, or which one matched.
 */
export class BearerAuth {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /** No token configured: every request passes. */
  get open(): boolean {
    return this.digests.length === 0;
  }

  check(authorization: string | undefined): AuthResult {
    if (this.open) return 'ok';
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (match === null) return 'missing';
    const presented = digest(match[1]!);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(known, presented) || found;
    return found ? 'ok' : 'invalid';
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Who may call a route, declared in its `config.access`: `api` routes (the JSON API,
 * `/iec`) need a token whenever tokens are configured, `metrics` and `health` ones only
 * when configured so, `public` ones (the dashboard's files) never.
 */
export type Access = 'public' | 'api' | 'metrics' | 'health';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** Answers 401 before any handler runs when a guarded route's request lacks a good token. */
export function installBearerAuth(
  app: FastifyInstance,
  auth: BearerAuth,
  guarded: ReadonlySet<Access>,
): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!guarded.has(request.routeOptions.config.access ?? 'public')) return;
    const result = auth.check(request.headers.authorization);
    if (result === 'ok') return;
    return reply
      .code(401)
      .header(
        'www-authenticate',
        result === 'missing' ? 'Bearer realm="derstream"' : 'Bearer realm="derstream", error="invalid_token"',
      )
      .send({
        error: 'unauthorized',
        message:
          result === 'missing'
            ? 'this endpoint needs an Authorization: Bearer <token> header'
            : 'the bearer token is not valid',
      });
  });
}
