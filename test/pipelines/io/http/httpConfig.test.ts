import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../../pipelines/errors';
import { parseHttpConfig } from '../../../../pipelines/io/http/httpConfig';

describe('parseHttpConfig', () => {
  it('defaults to loopback port 8080, no tokens, public health and metrics, 4 MiB bodies', () => {
    const { dashboardDir: _dashboardDir, ...config } = parseHttpConfig({});
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8080,
      apiTokens: [],
      protectMetrics: false,
      protectHealth: false,
      maxBodyBytes: 4 * 1024 * 1024,
      shutdownTimeoutMs: 10_000,
      readinessTimeoutMs: 3_000,
    });
  });

  it('reads every setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'derstream-dashboard-'));
    expect(
      parseHttpConfig({
        DERSTREAM_HTTP_HOST: '::',
        DERSTREAM_HTTP_PORT: '0',
        DERSTREAM_API_TOKENS: ' 0123456789abcdefgh , ZYXWVUTSRQPONMLK+/== ,0123456789abcdefgh',
        DERSTREAM_HTTP_PROTECT_METRICS: 'true',
        DERSTREAM_HTTP_PROTECT_HEALTH: '1',
        DERSTREAM_HTTP_MAX_BODY_BYTES: '65536',
        DERSTREAM_HTTP_SHUTDOWN_TIMEOUT: '2s',
        DERSTREAM_HTTP_READINESS_TIMEOUT: '500ms',
        DERSTREAM_DASHBOARD_DIR: dir,
      }),
    ).toEqual({
      host: '::',
      port: 0,
      apiTokens: ['0123456789abcdefgh', 'ZYXWVUTSRQPONMLK+/=='],
      protectMetrics: true,
      protectHealth: true,
      maxBodyBytes: 65536,
      shutdownTimeoutMs: 2000,
      readinessTimeoutMs: 500,
      dashboardDir: dir,
    });
    expect(parseHttpConfig({ DERSTREAM_HTTP_HOST: 'derstream.example.org' }).host).toBe(
      'derstream.example.org',
    );
  });

  it.each([
    ['DERSTREAM_HTTP_PORT', '65536', 'DERSTREAM_HTTP_PORT: "65536" must be an integer from 0 to 65535'],
    ['DERSTREAM_HTTP_PORT', 'http', 'DERSTREAM_HTTP_PORT: "http" must be an integer from 0 to 65535'],
    [
      'DERSTREAM_HTTP_HOST',
      'http://localhost',
      'DERSTREAM_HTTP_HOST: "http://localhost" is not an IP address',
    ],
    ['DERSTREAM_HTTP_HOST', 'a_b', 'DERSTREAM_HTTP_HOST: "a_b" is not an IP address or host name'],
    ['DERSTREAM_HTTP_PROTECT_METRICS', 'yes', 'DERSTREAM_HTTP_PROTECT_METRICS: "yes" must be true or false'],
    ['DERSTREAM_HTTP_PROTECT_HEALTH', 'no', 'DERSTREAM_HTTP_PROTECT_HEALTH: "no" must be true or false'],
    [
      'DERSTREAM_HTTP_MAX_BODY_BYTES',
      '10',
      'DERSTREAM_HTTP_MAX_BODY_BYTES: "10" must be an integer from 1024',
    ],
    ['DERSTREAM_HTTP_SHUTDOWN_TIMEOUT', 'soon', 'DERSTREAM_HTTP_SHUTDOWN_TIMEOUT: "soon" is not a duration'],
    ['DERSTREAM_HTTP_READINESS_TIMEOUT', '0', 'DERSTREAM_HTTP_READINESS_TIMEOUT: "0" must be at least 1 ms'],
    [
      'DERSTREAM_DASHBOARD_DIR',
      '/no/such/folder',
      'DERSTREAM_DASHBOARD_DIR: "/no/such/folder" is not a folder',
    ],
  ])('refuses %s=%s naming the setting', (name, value, message) => {
    expect(() => parseHttpConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseHttpConfig({ [name]: value })).toThrow(message);
  });

  it('refuses a dashboard "folder" that is a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'derstream-dashboard-')), 'index.html');
    writeFileSync(file, '');
    expect(() => parseHttpConfig({ DERSTREAM_DASHBOARD_DIR: file })).toThrow('is not a folder');
  });

  it.each([
    ['a short token', 'short-secret', 'token 1 of 1 is shorter than 16 characters'],
    ['an empty entry', '0123456789abcdefgh,,ZYXWVUTSRQPONMLK', 'token 2 of 3 is empty'],
    ['a space inside', '0123456789abcdefgh,secret with spaces', 'token 2 of 2 may hold only letters, digits'],
    ['a quote', 'secret"0123456789abcdef', 'token 1 of 1 may hold only'],
  ])('refuses %s in DERSTREAM_API_TOKENS without repeating any token', (_case, value, message) => {
    let error: unknown;
    try {
      parseHttpConfig({ DERSTREAM_API_TOKENS: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toBe(
      `DERSTREAM_API_TOKENS: ${message}${text.slice(`DERSTREAM_API_TOKENS: ${message}`.length)}`,
    );
    expect(text).toContain(message);
    for (const part of value.split(',')) if (part.length > 3) expect(text).not.toContain(part);
  });
});
