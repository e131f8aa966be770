import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { ConfigError } from '../../pipelines/errors';
import { parseClickhouseConfig } from '../../pipelines/io/clickhouse/clickhouseConfig';
import { openServerExecutor } from '../../pipelines/io/clickhouse/serverExecutor';
import { kafkaConnectionError } from '../../pipelines/io/kafka/kafkaClient';
import { parseKafkaConfig } from '../../pipelines/io/kafka/kafkaConfig';
import { parseRegistryConfig } from '../../pipelines/io/registry/registryConfig';
import { connectRegistry } from '../../pipelines/io/registry/schemaRegistry';

/**
 * Credentials for Kafka, the schema registry and ClickHouse come from the environment
 * and appear in no error text: checked against stand-in HTTP servers that refuse them
 * (after making sure they were sent), and against every settings error.
 */
const SECRET = 'S3cret-pa55word-never-shown';

function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function expectNoSecret(error: unknown) {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).not.toContain(SECRET);
  expect(inspect(error, { depth: 10 })).not.toContain(SECRET);
}

/** An HTTP server answering every request with `reply`, remembering the requests' headers. */
async function standIn(
  reply: (request: IncomingMessage) => { status: number; body: string; headers?: Record<string, string> },
) {
  const seen: IncomingMessage['headers'][] = [];
  const server: Server = createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    request.on('end', () => {
      const { status, body, headers } = reply(request);
      response.writeHead(status, { 'content-type': 'text/plain', ...headers });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

const sentPassword = (headers: IncomingMessage['headers']) =>
  JSON.stringify(headers).includes(SECRET) ||
  Buffer.from((headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
    .toString()
    .includes(SECRET);

describe('credentials from the environment reach no error text', () => {
  describe('Kafka settings', () => {
    const secure = {
      DERSTREAM_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      DERSTREAM_KAFKA_USERNAME: 'derstream',
      DERSTREAM_KAFKA_PASSWORD: SECRET,
    };

    it('reads SASL_SSL settings; the config hides the password from logs and JSON', () => {
      const config = parseKafkaConfig(secure);
      expect(config.securityProtocol).toBe('SASL_SSL');
      expect(config.tls).toEqual({});
      expect(config.sasl?.mechanism).toBe('scram-sha-512');
      expect(config.sasl?.password.reveal()).toBe(SECRET);
      expect(JSON.stringify(config)).not.toContain(SECRET);
      expect(inspect(config, { depth: 10 })).not.toContain(SECRET);
      expect(`${config.sasl?.password}`).toBe('[redacted]');
    });

    it('defaults to PLAINTEXT with neither TLS nor SASL', () => {
      const config = parseKafkaConfig({});
      expect(config.securityProtocol).toBeUndefined();
      expect(config.tls).toBeUndefined();
      expect(config.sasl).toBeUndefined();
    });

    it.each([
      [
        { DERSTREAM_KAFKA_SECURITY_PROTOCOL: 'TLS' },
        /^DERSTREAM_KAFKA_SECURITY_PROTOCOL: "TLS" must be one of PLAINTEXT, SSL, SASL_SSL, SASL_PLAINTEXT$/,
      ],
      [
        { ...secure, DERSTREAM_KAFKA_USERNAME: '' },
        /^DERSTREAM_KAFKA_USERNAME: must be set with DERSTREAM_KAFKA_SECURITY_PROTOCOL=SASL_SSL$/,
      ],
      [
        { ...secure, DERSTREAM_KAFKA_PASSWORD: '' },
        /^DERSTREAM_KAFKA_PASSWORD: must be set with DERSTREAM_KAFKA_SECURITY_PROTOCOL=SASL_SSL$/,
      ],
      [
        { ...secure, DERSTREAM_KAFKA_SASL_MECHANISM: 'gssapi' },
        /^DERSTREAM_KAFKA_SASL_MECHANISM: "gssapi" must be one of scram-sha-512, scram-sha-256, plain$/,
      ],
      [
        { DERSTREAM_KAFKA_PASSWORD: SECRET },
        /^DERSTREAM_KAFKA_PASSWORD: is set but DERSTREAM_KAFKA_SECURITY_PROTOCOL is PLAINTEXT, which sends no user/,
      ],
      [
        {
          DERSTREAM_KAFKA_SECURITY_PROTOCOL: 'SSL',
          DERSTREAM_KAFKA_USERNAME: 'u',
          DERSTREAM_KAFKA_PASSWORD: SECRET,
        },
        /^DERSTREAM_KAFKA_USERNAME: is set but DERSTREAM_KAFKA_SECURITY_PROTOCOL is SSL/,
      ],
      [
        { ...secure, DERSTREAM_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', DERSTREAM_KAFKA_SSL_CA: '/x.pem' },
        /^DERSTREAM_KAFKA_SSL_CA: is set but DERSTREAM_KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT, which uses no TLS/,
      ],
      [
        { ...secure, DERSTREAM_KAFKA_SSL_CA: '/nonexistent/ca.pem' },
        /^DERSTREAM_KAFKA_SSL_CA: cannot read \/nonexistent\/ca\.pem \(ENOENT\)$/,
      ],
      [
        { ...secure, DERSTREAM_KAFKA_SSL_CA: __filename },
        /^DERSTREAM_KAFKA_SSL_CA: .*credentials\.test\.ts holds no PEM certificate/,
      ],
    ])('refuses inconsistent settings in one line (case %#)', (env, message) => {
      const error = thrown(() => parseKafkaConfig(env));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
      expectNoSecret(error);
    });

    it('redacts the password from a connection error even if a library repeated it', () => {
      const config = parseKafkaConfig(secure);
      const error = kafkaConnectionError(config, new Error(`connect ECONNREFUSED (password ${SECRET})`));
      expect(error.message).toMatch(
        /^kafka \(DERSTREAM_KAFKA_BROKERS\): no Kafka broker answers at 127\.0\.0\.1:9092/,
      );
      expect(error.message).not.toContain(SECRET);
    });
  });

  describe('schema registry', () => {
    it('refuses credentials in the URL without showing them', () => {
      for (const url of [
        `http://derstream:${SECRET}@127.0.0.1:8081/apis/ccompat/v7`,
        `ftp://u:${SECRET}@host`,
        `http://u:${SECRET}@bad host`,
      ]) {
        const error = thrown(() => parseRegistryConfig({ DERSTREAM_REGISTRY_URL: url }));
        expect(error.message).toMatch(/^DERSTREAM_REGISTRY_URL: must not carry credentials/);
        expectNoSecret(error);
      }
    });

    it('refuses a password without a user', () => {
      const error = thrown(() => parseRegistryConfig({ DERSTREAM_REGISTRY_PASSWORD: SECRET }));
      expect(error.message).toMatch(
        /^DERSTREAM_REGISTRY_PASSWORD: is set without DERSTREAM_REGISTRY_USERNAME/,
      );
      expectNoSecret(error);
    });

    it('sends the password to the registry and names only the setting when refused', async () => {
      const registry = await standIn(() => ({
        status: 401,
        body: '{"error_code":401,"message":"Unauthorized"}',
      }));
      try {
        const config = parseRegistryConfig({
          DERSTREAM_REGISTRY_URL: `http://127.0.0.1:${registry.port}/apis/ccompat/v7`,
          DERSTREAM_REGISTRY_USERNAME: 'derstream',
          DERSTREAM_REGISTRY_PASSWORD: SECRET,
        });
        const error = await connectRegistry(config).catch((e: unknown) => e);
        expect((error as Error).message).toMatch(
          /^schema-registry \(DERSTREAM_REGISTRY_USERNAME\): the schema registry at .* refused our credentials \(HTTP 401\)$/,
        );
        expectNoSecret(error);
        expect(registry.seen.some(sentPassword)).toBe(true);
      } finally {
        await registry.close();
      }
    });

    it('no registry at all: the error shows no password either', async () => {
      const config = parseRegistryConfig({
        DERSTREAM_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7',
        DERSTREAM_REGISTRY_USERNAME: 'derstream',
        DERSTREAM_REGISTRY_PASSWORD: SECRET,
      });
      expectNoSecret(await connectRegistry(config).catch((e: unknown) => e));
    });
  });

  describe('ClickHouse server', () => {
    it('refuses credentials in the URL without showing them', () => {
      const error = thrown(() =>
        parseClickhouseConfig({ DERSTREAM_CLICKHOUSE_URL: `http://default:${SECRET}@127.0.0.1:8123` }),
      );
      expect(error.message).toMatch(/^DERSTREAM_CLICKHOUSE_URL: must not carry credentials/);
      expectNoSecret(error);
    });

    it('sends the password to the server and reports its refusal without it', async () => {
      // ClickHouse's own words for a wrong password, code 516.
      const server = await standIn((request) =>
        request.url?.startsWith('/ping')
          ? { status: 200, body: 'Ok.\n' }
          : {
              status: 516,
              body: 'Code: 516. DB::Exception: derstream: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)\n',
              headers: { 'x-clickhouse-exception-code': '516' },
            },
      );
      try {
        const config = parseClickhouseConfig({
          DERSTREAM_CLICKHOUSE_URL: `http://127.0.0.1:${server.port}`,
          DERSTREAM_CLICKHOUSE_USER: 'derstream',
          DERSTREAM_CLICKHOUSE_PASSWORD: SECRET,
        });
        if (config.kind !== 'server') throw new Error('expected a server config');
        const error = await openServerExecutor(config).catch((e: unknown) => e);
        expect((error as Error).message).toMatch(/Authentication failed/);
        expectNoSecret(error);
        expect(server.seen.some(sentPassword)).toBe(true);
      } finally {
        await server.close();
      }
    });

    it('no server at all: the error shows no password either', async () => {
      const config = parseClickhouseConfig({
        DERSTREAM_CLICKHOUSE_URL: 'http://127.0.0.1:1',
        DERSTREAM_CLICKHOUSE_PASSWORD: SECRET,
      });
      if (config.kind !== 'server') throw new Error('expected a server config');
      expectNoSecret(await openServerExecutor(config).catch((e: unknown) => e));
    });
  });
});
