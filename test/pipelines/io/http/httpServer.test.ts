import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../../pipelines/errors';
import { IecHandler } from '../../../../pipelines/io/http/iecRoute';
import { ReadinessCheck } from '../../../../pipelines/io/http/readiness';
import { startTestServer, TestServer } from './httpFixtures';

const check = (name: string, ok: boolean, detail: string): ReadinessCheck => ({
  name,
  check: async () => ({ ok, detail }),
});

async function withServer(
  run: (server: TestServer) => Promise<void>,
  ...args: Parameters<typeof startTestServer>
): Promise<void> {
  const server = await startTestServer(...args);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

const answer = async (response: Response) => ({ status: response.status, body: await response.json() });

describe('health', () => {
  it('/healthz says the process is alive', () =>
    withServer(async (server) => {
      expect(await answer(await server.get('/healthz'))).toEqual({ status: 200, body: { status: 'alive' } });
    }));

  it('/readyz is 200 when every check passes, listing them', () =>
    withServer(
      async (server) => {
        expect(await answer(await server.get('/readyz'))).toEqual({
          status: 200,
          body: {
            ready: true,
            failed: [],
            checks: [
              { name: 'kafka-consumer', ok: true, detail: 'joined group derstream' },
              { name: 'clickhouse', ok: true, detail: 'insert took 3 ms' },
            ],
          },
        });
      },
      {},
      {
        readiness: [
          check('kafka-consumer', true, 'joined group derstream'),
          check('clickhouse', true, 'insert took 3 ms'),
        ],
      },
    ));

  it('/readyz is 503 naming the checks that failed, threw or hung', () =>
    withServer(
      async (server) => {
        const started = Date.now();
        expect(await answer(await server.get('/readyz'))).toEqual({
          status: 503,
          body: {
            ready: false,
            failed: ['watermark', 'registry', 'clickhouse'],
            checks: [
              { name: 'kafka-consumer', ok: true, detail: 'joined' },
              { name: 'watermark', ok: false, detail: 'not advanced for 120 s' },
              { name: 'registry', ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:8081' },
              { name: 'clickhouse', ok: false, detail: 'no answer within 200 ms' },
            ],
          },
        });
        expect(Date.now() - started).toBeLessThan(2000);
      },
      { readinessTimeoutMs: 200 },
      {
        readiness: [
          check('kafka-consumer', true, 'joined'),
          check('watermark', false, 'not advanced for 120 s'),
          {
            name: 'registry',
            check: async () => {
              throw new Error('connect ECONNREFUSED 127.0.0.1:8081');
            },
          },
          { name: 'clickhouse', check: () => new Promise(() => {}) },
        ],
      },
    ));
});

describe('POST /iec', () => {
  const received: string[] = [];
  const iec: IecHandler = async (body) => {
    received.push(body.toString('utf8'));
    return { statusCode: 200, contentType: 'application/xml', body: '<ResponseMessage/>' };
  };
  const post = (server: TestServer, body: string | Uint8Array, contentType = 'application/xml') =>
    fetch(`${server.url}/iec`, { method: 'POST', headers: { 'content-type': contentType }, body });

  beforeEach(() => {
    received.length = 0;
  });

  it('hands XML bodies to the handler and sends its answer', () =>
    withServer(
      async (server) => {
        const xml = '<RequestMessage><Header><Verb>get</Verb></Header></RequestMessage>';
        for (const type of ['application/xml', 'text/xml; charset=utf-8']) {
          const response = await post(server, xml, type);
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toBe('application/xml');
          expect(await response.text()).toBe('<ResponseMessage/>');
        }
        expect(received).toEqual([xml, xml]);
      },
      {},
      { iec },
    ));

  it('passes the handler status codes through', () =>
    withServer(
      async (server) => {
        const response = await post(server, '<bad');
        expect({ status: response.status, body: await response.text() }).toEqual({
          status: 400,
          body: 'nope',
        });
      },
      {},
      { iec: async () => ({ statusCode: 400, contentType: 'text/plain', body: 'nope' }) },
    ));

  it('refuses a body over the limit with 413, and keeps serving', () =>
    withServer(
      async (server) => {
        const limit = 4 << 20;
        const big = new Uint8Array(limit + 1).fill(0x20);
        expect(await answer(await post(server, big))).toEqual({
          status: 413,
          body: {
            error: 'payload_too_large',
            message: `the request body is larger than ${limit} bytes (DERSTREAM_HTTP_MAX_BODY_BYTES)`,
          },
        });
        expect(received).toEqual([]);
        const atLimit = `<a>${' '.repeat(limit - 7)}</a>`;
        expect((await post(server, atLimit)).status).toBe(200);
        expect(received).toEqual([atLimit]);
        expect((await server.get('/healthz')).status).toBe(200);
      },
      {},
      { iec },
    ));

  it('honours a configured limit', () =>
    withServer(
      async (server) => {
        expect((await post(server, `<a>${'x'.repeat(2000)}</a>`)).status).toBe(413);
        expect((await post(server, '<a/>')).status).toBe(200);
      },
      { maxBodyBytes: 1024 },
      { iec },
    ));

  it('refuses other content types with 415', () =>
    withServer(
      async (server) => {
        for (const type of ['application/json', 'text/plain']) {
          expect(await answer(await post(server, '{"a":1}', type))).toEqual({
            status: 415,
            body: {
              error: 'unsupported_media_type',
              message: 'the body must be application/xml or text/xml',
            },
          });
        }
        expect(received).toEqual([]);
      },
      {},
      { iec },
    ));

  it('answers 500 when the handler fails, and logs it', () =>
    withServer(
      async (server) => {
        expect(await answer(await post(server, '<a/>'))).toEqual({
          status: 500,
          body: { error: 'internal', message: 'internal error' },
        });
        expect(server.logs).toContain('http: POST /iec: translator crashed');
      },
      {},
      {
        iec: async () => {
          throw new Error('translator crashed');
        },
      },
    ));

  it('does not exist without a handler', () =>
    withServer(async (server) => {
      expect((await post(server, '<a/>')).status).toBe(404);
    }));
});

describe('the dashboard folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'derstream-dashboard-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>derstream</title>');
  mkdirSync(join(dir, 'js'));
  writeFileSync(join(dir, 'js', 'app.js'), 'console.log(1);');
  writeFileSync(join(dir, '.env'), 'SECRET=1');

  it('is served at /, index.html for the folder, without a token even when tokens are set', () =>
    withServer(
      async (server) => {
        const index = await server.get('/');
        expect(index.status).toBe(200);
        expect(index.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await index.text()).toBe('<!doctype html><title>derstream</title>');
        const script = await server.get('/js/app.js');
        expect(script.headers.get('content-type')).toMatch(/javascript/);
        expect(await script.text()).toBe('console.log(1);');
        expect((await server.get('/missing.js')).status).toBe(404);
        expect(await answer(await server.get('/.env'))).toEqual({
          status: 404,
          body: { error: 'not_found', message: 'no route GET /.env' },
        });
        expect((await server.get('/js/../../etc/passwd')).status).toBe(404);
        expect((await server.get('/api/groups')).status).toBe(401);
      },
      { dashboardDir: dir, apiTokens: ['0123456789abcdef'] },
    ));

  it('is not served when not configured', () =>
    withServer(async (server) => {
      expect(await answer(await server.get('/'))).toEqual({
        status: 404,
        body: { error: 'not_found', message: 'no route GET /' },
      });
      expect(server.logs[0]).toMatch(
        /^http: listening on http:\/\/127\.0\.0\.1:\d+ \(no dashboard folder\)$/,
      );
    }));
});

describe('start and shutdown', () => {
  it('names the setting when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await startTestServer({ port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(
        `DERSTREAM_HTTP_PORT: port ${port} on 127.0.0.1 is already in use`,
      );
    } finally {
      blocker.close();
    }
  });

  it('lets a request in flight finish, then refuses new connections', async () => {
    let release!: () => void;
    const handled = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await startTestServer(
      {},
      {
        iec: async () => {
          entered();
          await handled;
          return { statusCode: 200, contentType: 'application/xml', body: '<done/>' };
        },
      },
    );
    const request = fetch(`${server.url}/iec`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    await inHandler;
    const closed = server.close();
    expect(server.close()).toBe(closed);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const released = Date.now();
    const response = await request;
    expect(await response.text()).toBe('<done/>');
    await closed;
    // Well before the 10 s deadline: the connection closes once its request is answered.
    expect(Date.now() - released).toBeLessThan(2000);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('cuts requests still in flight at the shutdown deadline', async () => {
    const server = await startTestServer({ shutdownTimeoutMs: 300 }, { iec: () => new Promise(() => {}) });
    const request = fetch(`${server.url}/iec`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(request).rejects.toThrow();
  });
});
