import { ConfigError } from '../errors';
import { parseDuration } from './duration';

/**
 * Readers for settings given as environment variables (or CLI flags mapped onto the
 * same names). Each returns the typed value or throws a {@link ConfigError} naming the
 * setting and saying what a good value looks like.
 */
export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function stringSetting(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function optionalStringSetting(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function urlSetting(env: Env, name: string, fallback: string, protocols: readonly string[]): URL {
  const text = raw(env, name) ?? fallback;
  // A URL may hold `user:password@`: an error quotes it without that part.
  const shown = text.replace(/\/\/[^/?#]*@/, '//…@');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(name, `"${shown}" is not a URL (expected e.g. ${fallback})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `"${shown}" must use ${protocols.join(' or ')} (expected e.g. ${fallback})`);
  }
  return url;
}

export function integerSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `"${text}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function durationSetting(env: Env, name: string, fallbackMs: number, minMs = 0): number {
  const text = raw(env, name);
  if (text === undefined) return fallbackMs;
  const value = parseDuration(text);
  if (value === undefined) {
    throw new ConfigError(
      name,
      `"${text}" is not a duration (expected e.g. 500ms, 5s, 3m, 1h or milliseconds)`,
    );
  }
  if (value < minMs) throw new ConfigError(name, `"${text}" must be at least ${minMs} ms`);
  return value;
}

/** `host:port[,host:port...]`, as Kafka clients take bootstrap servers. */
export function hostPortListSetting(env: Env, name: string, fallback: string): string[] {
  const text = raw(env, name) ?? fallback;
  const items = text.split(',').map((item) => item.trim());
  for (const item of items) {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw new ConfigError(name, `"${item}" is not host:port (expected e.g. ${fallback})`);
    }
  }
  return items;
}

export function booleanSetting(env: Env, name: string, fallback: boolean): boolean {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ConfigError(name, `"${text}" must be true or false`);
}
