import { Env, optionalStringSetting, urlSetting } from '../../config/settings';

/**
 * How derstream reaches the Confluent-compatible schema registry.
 *
 * | setting | default | meaning |
 * |---|---|---|
 * | `DERSTREAM_REGISTRY_URL` | `http://127.0.0.1:8081/apis/ccompat/v7` | base URL of the Confluent API (Apicurio serves it under `/apis/ccompat/v7`, Confluent and Karapace at the root) |
 * | `DERSTREAM_REGISTRY_USERNAME` | (none) | basic-auth user |
 * | `DERSTREAM_REGISTRY_PASSWORD` | (none) | basic-auth password: environment only, never logged |
 */
export interface RegistryConfig {
  url: URL;
  username?: string;
  password?: string;
}

export function parseRegistryConfig(env: Env): RegistryConfig {
  return {
    url: urlSetting(env, 'DERSTREAM_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7', [
      'http:',
      'https:',
    ]),
    username: optionalStringSetting(env, 'DERSTREAM_REGISTRY_USERNAME'),
    password: env.DERSTREAM_REGISTRY_PASSWORD,
  };
}
