import { ConfigError } from '../../errors';
import { Env, optionalStringSetting, urlSetting } from '../../config/settings';

/**
 * How derstream reaches the Confluent-compatible schema registry.
 *
 * | setting | default | meaning |
 * |---|---|---|
 * | `DERSTREAM_REGISTRY_URL` | `http://127.0.0.1:8081/apis/ccompat/v7` | base URL of the Confluent API (Apicurio serves it under `/apis/ccompat/v7`, Confluent and Karapace at the root); no `user:password@` in it |
 * | `DERSTREAM_REGISTRY_USERNAME` | (none) | basic-auth user |
 * | `DERSTREAM_REGISTRY_PASSWORD` | (none) | basic-auth password (needs the user): environment only, never logged nor part of an error |
 */
export interface RegistryConfig {
  url: URL;
  username?: string;
  password?: string;
}

export function parseRegistryConfig(env: Env): RegistryConfig {
  // Before anything quotes the URL in an error: credentials in it would be shown.
  refuseCredentialsInUrl(env, 'DERSTREAM_REGISTRY_URL');
  const username = optionalStringSetting(env, 'DERSTREAM_REGISTRY_USERNAME');
  const password = env.DERSTREAM_REGISTRY_PASSWORD ? env.DERSTREAM_REGISTRY_PASSWORD : undefined;
  if (password !== undefined && username === undefined) {
    throw new ConfigError(
      'DERSTREAM_REGISTRY_PASSWORD',
      'is set without DERSTREAM_REGISTRY_USERNAME: set the user too, or unset the password',
    );
  }
  return {
    url: urlSetting(env, 'DERSTREAM_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7', [
      'http:',
      'https:',
    ]),
    username,
    password,
  };
}

/** The basic-auth header for the configured user, or none; for requests made beside the registry client. */
export function registryAuthHeaders(config: RegistryConfig): Record<string, string> {
  if (config.username === undefined) return {};
  return {
    authorization: `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`,
  };
}

function refuseCredentialsInUrl(env: Env, name: string): void {
  const text = optionalStringSetting(env, name);
  if (text === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const hasCredentials =
    url !== undefined ? url.username !== '' || url.password !== '' : /^[^/]*\/\/[^/]*@/.test(text);
  if (hasCredentials) {
    throw new ConfigError(
      name,
      'must not carry credentials (user:password@); set DERSTREAM_REGISTRY_USERNAME and DERSTREAM_REGISTRY_PASSWORD instead',
    );
  }
}
