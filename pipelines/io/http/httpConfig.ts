import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError } from '../../errors';
import {
  booleanSetting,
  durationSetting,
  Env,
  integerSetting,
  optionalStringSetting,
  stringSetting,
} from '../../config/settings';

/**
 * derstream's HTTP server: health, metrics, the JSON API, `POST /iec` and the dashboard.
 *
 * | setting | default | meaning |
 * |---|---|---|
 * | `DERSTREAM_HTTP_HOST` | `127.0.0.1` | address to bind; `0.0.0.0` or `::` for every interface |
 * | `DERSTREAM_HTTP_PORT` | `8080` | port; `0` lets the system pick one (tests) |
 * | `DERSTREAM_API_TOKENS` | (none: open) | bearer tokens, comma-separated, for `/api` and `/iec`: environment only, never logged |
 * | `DERSTREAM_HTTP_PROTECT_METRICS` | `false` | `/metrics` needs a token too |
 * | `DERSTREAM_HTTP_PROTECT_HEALTH` | `false` | `/healthz` and `/readyz` need a token too |
 * | `DERSTREAM_HTTP_MAX_BODY_BYTES` | `4194304` (4 MiB) | largest `POST /iec` body; a larger one gets 413 |
 * | `DERSTREAM_HTTP_SHUTDOWN_TIMEOUT` | `10s` | how long shutdown waits for requests in flight before cutting them |
 * | `DERSTREAM_HTTP_READINESS_TIMEOUT` | `3s` | a readiness check slower than this counts as failed |
 * | `DERSTREAM_DASHBOARD_DIR` | the repository's `dashboard/` | static files served at `/` |
 *
 * With no token configured the API is open to anyone who can reach the address (the
 * default address is loopback only); the server says so in one line at start. The
 * dashboard's files are always public: the page holds no data, it asks `/api` for it
 * with the token its user gives.
 */
export interface HttpConfig {
  host: string;
  port: number;
  apiTokens: readonly string[];
  protectMetrics: boolean;
  protectHealth: boolean;
  maxBodyBytes: number;
  shutdownTimeoutMs: number;
  readinessTimeoutMs: number;
  /** Absent when the folder does not exist: nothing is served at `/` then. */
  dashboardDir?: string;
}

const DEFAULT_DASHBOARD_DIR = resolve(__dirname, '../../../dashboard');

/** RFC 6750's b64token: what can travel in an Authorization header unquoted. */
const TOKEN_SYNTAX = /^[A-Za-z0-9._~+/-]+=*$/;
/** Shorter tokens can be guessed by trying; 16 characters of base64 is 96 bits. */
const MIN_TOKEN_LENGTH = 16;

export function parseHttpConfig(env: Env): HttpConfig {
  return {
    host: hostSetting(env, 'DERSTREAM_HTTP_HOST', '127.0.0.1'),
    port: integerSetting(env, 'DERSTREAM_HTTP_PORT', 8080, 0, 65535),
    apiTokens: tokensSetting(env, 'DERSTREAM_API_TOKENS'),
    protectMetrics: booleanSetting(env, 'DERSTREAM_HTTP_PROTECT_METRICS', false),
    protectHealth: booleanSetting(env, 'DERSTREAM_HTTP_PROTECT_HEALTH', false),
    maxBodyBytes: integerSetting(env, 'DERSTREAM_HTTP_MAX_BODY_BYTES', 4 << 20, 1024, 256 << 20),
    shutdownTimeoutMs: durationSetting(env, 'DERSTREAM_HTTP_SHUTDOWN_TIMEOUT', 10_000),
    readinessTimeoutMs: durationSetting(env, 'DERSTREAM_HTTP_READINESS_TIMEOUT', 3_000, 1),
    dashboardDir: dashboardSetting(env, 'DERSTREAM_DASHBOARD_DIR'),
  };
}

function hostSetting(env: Env, name: string, fallback: string): string {
  const host = stringSetting(env, name, fallback);
  const hostname = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  if (isIP(host) === 0 && !hostname.test(host)) {
    throw new ConfigError(name, `"${host}" is not an IP address or host name (expected e.g. ${fallback})`);
  }
  return host;
}

/** Error messages name a token by its position, never by its text. */
function tokensSetting(env: Env, name: string): string[] {
  const text = optionalStringSetting(env, name);
  if (text === undefined) return [];
  const tokens = text.split(',').map((token) => token.trim());
  tokens.forEach((token, i) => {
    const which = `token ${i + 1} of ${tokens.length}`;
    if (token === '') throw new ConfigError(name, `${which} is empty (tokens are separated by commas)`);
    if (!TOKEN_SYNTAX.test(token)) {
      throw new ConfigError(name, `${which} may hold only letters, digits and - . _ ~ + / (then = padding)`);
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new ConfigError(name, `${which} is shorter than ${MIN_TOKEN_LENGTH} characters`);
    }
  });
  return [...new Set(tokens)];
}

/** A folder the user names must exist; the default one may not yet (the dashboard is optional). */
function dashboardSetting(env: Env, name: string): string | undefined {
  const given = optionalStringSetting(env, name);
  const dir = resolve(given ?? DEFAULT_DASHBOARD_DIR);
  if (isDirectory(dir)) return dir;
  if (given !== undefined) throw new ConfigError(name, `"${given}" is not a folder`);
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
