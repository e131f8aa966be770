import { BearerAuth } from '../../../../pipelines/io/http/auth';
import { startTestServer, TestServer } from './httpFixtures';

const TOKEN_A = 'tokenA-0123456789abcdef';
const TOKEN_B = 'tokenB+/fedcba9876543210==';

describe('BearerAuth', () => {
  const auth = new BearerAuth([TOKEN_A, TOKEN_B]);

  it('accepts any configured token, with the scheme in any case', () => {
    expect(auth.open).toBe(false);
    expect(auth.check(`Bearer ${TOKEN_A}`)).toBe('ok');
    expect(auth.check(`bearer ${TOKEN_B}`)).toBe('ok');
    expect(auth.check(`BEARER  ${TOKEN_A}`)).toBe('ok');
  });

  it('tells a missing token from a wrong one', () => {
    expect(auth.check(undefined)).toBe('missing');
    expect(auth.check('')).toBe('missing');
    expect(auth.check(`Basic ${Buffer.from(`u:${TOKEN_A}`).toString('base64')}`)).toBe('missing');
    expect(auth.check(`Bearer ${TOKEN_A} extra`)).toBe('missing');
    expect(auth.check(`Bearer ${TOKEN_A.slice(0, -1)}`)).toBe('invalid');
    expect(auth.check(`Bearer ${TOKEN_A}x`)).toBe('invalid');
    expect(auth.check('Bearer x')).toBe('invalid');
  });

  it('lets everything through when no token is configured', () => {
    const open = new BearerAuth([]);
    expect(open.open).toBe(true);
    expect(open.check(undefined)).toBe('ok');
    expect(open.check('Bearer anything')).toBe('ok');
  });
});

describe('access to the server', () => {
  const guardedApi = [
    '/api/groups',
    '/api/groups/feeder-01',
    '/api/groups/feeder-01/statuses',
    '/api/groups/feeder-01/forecast',
    '/api/statuses',
    '/api/accuracy',
    '/api/stream',
  ];
  const iec = async () => ({ statusCode: 200, contentType: 'application/xml', body: '<ok/>' });
  const postIec = (server: TestServer, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/iec`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', ...headers },
      body: '<a/>',
    });
  const status = async (response: Promise<Response>) => {
    const answered = await response;
    await answered.body?.cancel();
    return answered.status;
  };

  describe('with tokens', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ apiTokens: [TOKEN_A, TOKEN_B] }, { iec });
    });
    afterAll(() => server.close());

    it.each(guardedApi)('%s needs a token: 401 without one', async (path) => {
      const response = await server.get(path);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="derstream"');
      expect(await response.json()).toEqual({
        error: 'unauthorized',
        message: 'this endpoint needs an Authorization: Bearer <token> header',
      });
    });

    it.each(guardedApi)('%s refuses a wrong token with 401 invalid_token', async (path) => {
      const response = await server.get(path, { authorization: `Bearer ${TOKEN_A}0` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="derstream", error="invalid_token"',
      );
      expect(await response.json()).toEqual({
        error: 'unauthorized',
        message: 'the bearer token is not valid',
      });
    });

    it.each(guardedApi)('%s answers with either token', async (path) => {
      for (const token of [TOKEN_A, TOKEN_B]) {
        expect(await status(server.get(path, { authorization: `Bearer ${token}` }))).toBe(200);
      }
    });

    it('guards POST /iec, before reading the body', async () => {
      expect(await status(postIec(server))).toBe(401);
      expect(await status(postIec(server, { authorization: `Bearer wrong-token-0123456789` }))).toBe(401);
      expect(await status(postIec(server, { authorization: `Bearer ${TOKEN_B}` }))).toBe(200);
    });

    it('leaves health and metrics public by default', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics'])
        expect(await status(server.get(path))).toBe(200);
    });

    it('never logs a token, and warns of nothing', () => {
      expect(server.logs).toHaveLength(1);
      expect(server.logs[0]).toMatch(/^http: listening on /);
      for (const line of server.logs) {
        expect(line).not.toContain(TOKEN_A.slice(0, 8));
        expect(line).not.toContain(TOKEN_B.slice(0, 8));
      }
    });
  });

  it('guards /metrics when configured, and health stays public', async () => {
    const server = await startTestServer({ apiTokens: [TOKEN_A], protectMetrics: true });
    try {
      expect(await status(server.get('/metrics'))).toBe(401);
      expect(await status(server.get('/metrics', { authorization: `Bearer ${TOKEN_A}` }))).toBe(200);
      expect(await status(server.get('/healthz'))).toBe(200);
      expect(await status(server.get('/readyz'))).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('guards /healthz and /readyz when configured, and metrics stay public', async () => {
    const server = await startTestServer({ apiTokens: [TOKEN_A], protectHealth: true });
    try {
      for (const path of ['/healthz', '/readyz']) {
        expect(await status(server.get(path))).toBe(401);
        expect(await status(server.get(path, { authorization: `Bearer ${TOKEN_A}` }))).toBe(200);
      }
      expect(await status(server.get('/metrics'))).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('without tokens is open, and says so once at start', async () => {
    const server = await startTestServer(
      { apiTokens: [], protectMetrics: true, protectHealth: true },
      { iec },
    );
    try {
      for (const path of [...guardedApi, '/metrics', '/healthz']) {
        expect(await status(server.get(path))).toBe(200);
      }
      expect(await status(postIec(server))).toBe(200);
      expect(server.logs).toEqual([
        expect.stringMatching(/^http: listening on http:\/\/127\.0\.0\.1:\d+ \(no dashboard folder\)$/),
        `http: warning: DERSTREAM_API_TOKENS is not set, so /api and /iec are open to anyone reaching ${server.url}`,
      ]);
    } finally {
      await server.close();
    }
  });
});
