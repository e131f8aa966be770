import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Kafka } from 'kafkajs';
import { DerstreamError, ServiceUnavailableError } from '../../pipelines/errors';
import { connectAdmin, createKafka, KafkaSecurityError } from '../../pipelines/io/kafka/kafkaClient';
import { parseKafkaConfig } from '../../pipelines/io/kafka/kafkaConfig';
import { derstream, ROOT } from '../support/cli';
import { runId } from '../support/services';

/**
 * The local broker with its opt-in SASL_SSL listener (SCRAM-SHA-512, a CA and a broker
 * certificate that ops/stack.sh makes), in an instance of its own (state folder and
 * ports), started and stopped by this test; the suite's stack keeps serving the others.
 */
const ports = { kafka: 19292, controller: 19293, saslSsl: 19294 };
const secureBroker = `127.0.0.1:${ports.saslSsl}`;

function stack(state: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DERSTREAM_STACK_DIR: state,
    DERSTREAM_KAFKA_PORT: String(ports.kafka),
    DERSTREAM_CONTROLLER_PORT: String(ports.controller),
    DERSTREAM_KAFKA_SASL_SSL_PORT: String(ports.saslSsl),
    DERSTREAM_KAFKA_HEAP: '384m',
  };
  // The stack generates the password into its state folder when none is given.
  delete env.DERSTREAM_KAFKA_PASSWORD;
  delete env.DERSTREAM_KAFKA_USERNAME;
  const result = spawnSync('bash', ['ops/stack.sh', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env,
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('ops/stack.sh SASL_SSL listener and derstream over it', () => {
  const state = mkdtempSync(join(tmpdir(), 'derstream-sasl-'));
  const secure = join(state, 'kafka', 'secure');
  const ca = join(secure, 'ca.pem');
  const wrongPassword = `wrong-${runId()}-password`;
  /** Everything the stack and derstream said: none of it may hold a password. */
  const said: string[] = [];
  let password = '';

  const settings = (over: Record<string, string> = {}): Record<string, string> => ({
    DERSTREAM_KAFKA_BROKERS: secureBroker,
    DERSTREAM_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    DERSTREAM_KAFKA_USERNAME: 'derstream',
    DERSTREAM_KAFKA_PASSWORD: password,
    DERSTREAM_KAFKA_SSL_CA: ca,
    ...over,
  });

  /** Connects with these settings and expects a refusal, which it returns. */
  async function refused(env: Record<string, string>): Promise<DerstreamError> {
    const config = parseKafkaConfig(env);
    try {
      const admin = await connectAdmin(createKafka(config, { retries: 1 }), config);
      await admin.disconnect();
    } catch (error) {
      said.push((error as Error).message, inspect(error, { depth: 10 }));
      expect(error).toBeInstanceOf(DerstreamError);
      // One line, as the command line prints it.
      expect((error as Error).message).not.toMatch(/\n/);
      return error as DerstreamError;
    }
    throw new Error('the broker accepted a client it should have refused');
  }

  beforeAll(() => {
    const up = stack(state, 'up', 'kafka');
    said.push(up.out);
    expect(up.out).toMatch(
      new RegExp(`kafka: SASL_SSL on 127\\.0\\.0\\.1:${ports.saslSsl}, SCRAM-SHA-512 user derstream`),
    );
    expect(up.status).toBe(0);
    password = readFileSync(join(secure, 'password'), 'utf8').trim();
  }, 180_000);

  afterAll(() => {
    // The state holds a CA key and a password: gone with the instance.
    if (stack(state, 'down').status === 0) rmSync(state, { recursive: true, force: true });
  });

  it('generates the password (mode 600), the CA and a keystore once per state folder', () => {
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(join(secure, 'password')).mode & 0o777).toBe(0o600);
    expect(statSync(join(state, 'kafka', 'server.properties')).mode & 0o777).toBe(0o600);
    expect(readFileSync(ca, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const again = stack(state, 'up', 'kafka');
    said.push(again.out);
    expect(again.status).toBe(0);
    expect(again.out).toMatch(/kafka already running/);
    expect(again.out).not.toMatch(/making a CA/);
  });

  it('with the right user, password and CA: admin, produce and consume', async () => {
    const config = parseKafkaConfig(settings());
    const kafka: Kafka = createKafka(config);
    const admin = await connectAdmin(kafka, config);
    const topic = `test.sasl-${runId()}`;
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `test.sasl-${runId()}` });
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(
        true,
      );
      const { brokers } = await admin.describeCluster();
      expect(brokers.map((b) => b.port)).toEqual([ports.saslSsl]);

      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'over SASL_SSL' }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 20 s')), 20_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message.value?.toString() ?? '');
          },
        });
      });
      expect(received).toBe('over SASL_SSL');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('refuses a client without credentials: TLS alone, or nothing at all', async () => {
    const attempts: Record<string, string>[] = [
      {
        DERSTREAM_KAFKA_BROKERS: secureBroker,
        DERSTREAM_KAFKA_SECURITY_PROTOCOL: 'SSL',
        DERSTREAM_KAFKA_SSL_CA: ca,
      },
      { DERSTREAM_KAFKA_BROKERS: secureBroker },
    ];
    for (const env of attempts) {
      const error = await refused(env);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error.message).toMatch(
        new RegExp(
          `^kafka \\(DERSTREAM_KAFKA_SECURITY_PROTOCOL\\): the broker at ${secureBroker} closed the connection`,
        ),
      );
    }
  });

  it('refuses a wrong password with an error naming the settings and never the password', async () => {
    const error = await refused(settings({ DERSTREAM_KAFKA_PASSWORD: wrongPassword }));
    expect(error).toBeInstanceOf(KafkaSecurityError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /^kafka \(DERSTREAM_KAFKA_USERNAME\/DERSTREAM_KAFKA_PASSWORD\): the broker at 127\.0\.0\.1:19294 refused user "derstream" \(scram-sha-512\): wrong user, password or mechanism/,
    );
    expect(inspect(error, { depth: 10 })).not.toContain(wrongPassword);
  });

  it('refuses a mechanism the listener does not take, naming DERSTREAM_KAFKA_SASL_MECHANISM', async () => {
    const error = await refused(settings({ DERSTREAM_KAFKA_SASL_MECHANISM: 'plain' }));
    expect(error.message).toMatch(
      /^kafka \(DERSTREAM_KAFKA_SASL_MECHANISM\): the broker at 127\.0\.0\.1:19294 does not take the SASL mechanism plain/,
    );
  });

  it('refuses TLS without the CA, naming DERSTREAM_KAFKA_SSL_CA', async () => {
    const error = await refused(settings({ DERSTREAM_KAFKA_SSL_CA: '' }));
    expect(error).toBeInstanceOf(KafkaSecurityError);
    expect(error.message).toMatch(
      /^kafka \(DERSTREAM_KAFKA_SSL_CA\): the TLS certificate of the broker at 127\.0\.0\.1:19294 is not trusted \(.*self-signed certificate in certificate chain\); set DERSTREAM_KAFKA_SSL_CA/,
    );
  });

  it('keeps the plaintext listener beside it as it was', async () => {
    const config = parseKafkaConfig({ DERSTREAM_KAFKA_BROKERS: `127.0.0.1:${ports.kafka}` });
    const admin = await connectAdmin(createKafka(config, { retries: 1 }), config);
    expect((await admin.describeCluster()).brokers.map((b) => b.port)).toEqual([ports.kafka]);
    await admin.disconnect();
  });

  it('derstream check reads the settings from the environment and says a refusal in one line', () => {
    const elsewhere = { DERSTREAM_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7' };
    const right = derstream(['check'], { ...settings(), ...elsewhere });
    said.push(right.stdout, right.stderr);
    expect(right.stdout).toContain(`kafka: 1 broker(s) at ${secureBroker}`);

    const wrong = derstream(['check'], {
      ...settings({ DERSTREAM_KAFKA_PASSWORD: wrongPassword }),
      ...elsewhere,
    });
    said.push(wrong.stdout, wrong.stderr);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(
      /^derstream: kafka \(DERSTREAM_KAFKA_USERNAME\/DERSTREAM_KAFKA_PASSWORD\): the broker at 127\.0\.0\.1:19294 refused user "derstream"/,
    );
    expect(wrong.stderr.split('\n')).toHaveLength(1);
  });

  it('shows the password nowhere: not in what the stack or derstream said, nor in any log', () => {
    expect(password.length).toBeGreaterThan(0);
    const logs = filesUnder(join(state, 'logs')).map((file) => readFileSync(file, 'utf8'));
    expect(logs.length).toBeGreaterThan(0);
    for (const text of [...said, ...logs, readFileSync(join(state, 'kafka', 'server.properties'), 'utf8')]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(wrongPassword);
    }
    // …and no command line showed it while the stack ran (argument files instead).
    expect(readdirSync(join(state, 'kafka'))).not.toContain('java.args');
  });
});
