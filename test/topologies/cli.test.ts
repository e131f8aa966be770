import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { loadConfig } from '../../topologies/config';
import { derstream, ROOT } from '../support/cli';
import { waitFor } from '../support/liveFixture';
import { runId } from '../support/services';

const chdb = () => ({ DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-cli-')) });

/** One line on stderr, naming the setting, exit 1, and no stack trace. */
function expectOneLineError(result: ReturnType<typeof derstream>, pattern: RegExp) {
  expect(result.status).toBe(1);
  expect(result.stderr.split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('derstream CLI', () => {
  it('--help lists the commands', () => {
    const result = derstream(['--help']);
    expect(result.status).toBe(0);
    for (const command of ['setup', 'check', 'simulate'])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('--help after a command shows the help too', () => {
    const result = derstream(['replay', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ {2}statuses /m);
  });

  it('check passes against the local stack', () => {
    const result = derstream(['check'], chdb());
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^kafka: 1 broker/m);
    expect(result.stdout).toMatch(/^clickhouse: chDB at .*, version \d+\./m);
  });

  it('a wrong registry URL is one clear line naming DERSTREAM_REGISTRY_URL', () => {
    expectOneLineError(
      derstream(['check'], { ...chdb(), DERSTREAM_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7' }),
      /^derstream: schema-registry \(DERSTREAM_REGISTRY_URL\): no schema registry answers at http:\/\/127\.0\.0\.1:1/,
    );
  });

  it('a broker that is down is one clear line naming DERSTREAM_KAFKA_BROKERS', () => {
    expectOneLineError(
      derstream(['check'], { ...chdb(), DERSTREAM_KAFKA_BROKERS: '127.0.0.1:1' }),
      /^derstream: kafka \(DERSTREAM_KAFKA_BROKERS\): no Kafka broker answers at 127\.0\.0\.1:1/,
    );
  });

  it('a bad ClickHouse URL is one clear line naming DERSTREAM_CLICKHOUSE_URL', () => {
    expectOneLineError(
      derstream(['check'], { DERSTREAM_CLICKHOUSE_URL: 'http://127.0.0.1:1' }),
      /^derstream: clickhouse \(DERSTREAM_CLICKHOUSE_URL\): no ClickHouse server answers/,
    );
    expectOneLineError(
      derstream(['check'], { DERSTREAM_CLICKHOUSE_URL: 'clickhouse:/x' }),
      /^derstream: DERSTREAM_CLICKHOUSE_URL: "clickhouse:\/x" must use http: or https:/,
    );
  });

  it('a malformed setting is refused before anything connects', () => {
    expectOneLineError(
      derstream(['check'], { DERSTREAM_KAFKA_BROKERS: 'localhost' }),
      /^derstream: DERSTREAM_KAFKA_BROKERS: "localhost" is not host:port/,
    );
  });

  it('a malformed pipeline setting names itself too', () => {
    expectOneLineError(
      derstream(['check'], { DERSTREAM_IEC_BATCH_BYTES: 'lots' }),
      /^derstream: DERSTREAM_IEC_BATCH_BYTES: "lots" must be an integer from 4096 to 67108864/,
    );
    expectOneLineError(
      derstream(['check'], { DERSTREAM_LATENESS: 'soon' }),
      /^derstream: DERSTREAM_LATENESS: "soon" is not a duration/,
    );
  });

  it("simulate puts a large fleet's membership on the groups topic, in requests the broker takes", async () => {
    const env = { ...chdb(), DERSTREAM_TOPIC_PREFIX: `test-${runId()}.` };
    const config = loadConfig({ ...process.env, ...env });
    const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
    try {
      expect(derstream(['setup'], env).status).toBe(0);
      // 200,000 devices in 1,000 groups: some 20 MB of membership, over the broker's 8 MiB a request.
      const args = [
        '--devices',
        '200000',
        '--groups',
        '1000',
        '--rate',
        '1000',
        '--duration',
        '1s',
        '--late',
        '0',
      ];
      const result = derstream(['simulate', ...args], env);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const offsets = await admin.fetchTopicOffsets(config.topics.groups.name);
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(1000);
    } finally {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(env.DERSTREAM_TOPIC_PREFIX));
      await admin.deleteTopics({ topics });
      await admin.disconnect();
    }
  }, 180_000);

  it.each([
    [
      'a SIGTERM to npm alone, as a supervisor or a script sends it',
      (npm: ChildProcess) => npm.kill('SIGTERM'),
      'SIGTERM',
    ],
    [
      "Ctrl-C: a SIGINT to npm's whole process group, relayed again by npm",
      (npm: ChildProcess) => process.kill(-npm.pid!, 'SIGINT'),
      'SIGINT',
    ],
  ])(
    'run, started by npm with its allocator setting, stops cleanly on %s',
    async (_how, stop, signal) => {
      const prefix = `test-${runId()}`;
      const env = {
        ...chdb(),
        DERSTREAM_TOPIC_PREFIX: `${prefix}.`,
        DERSTREAM_CONSUMER_GROUP: prefix,
        DERSTREAM_HTTP_PORT: '0',
      };
      const config = loadConfig({ ...process.env, ...env });
      const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
      try {
        expect(derstream(['setup'], env).status).toBe(0);
        // A backlog to catch up on, so that the stop comes while the pipeline is busy: tsx's
        // command, which ran it before, killed a child busy for 60 ms when a signal came.
        const backlog = ['--devices', '10000', '--groups', '100', '--duration', '10m', '--late', '0'];
        const simulated = derstream(['simulate', ...backlog, '--start', '2026-12-01T00:00:00Z'], env);
        expect(simulated.status).toBe(0);
        const { MALLOC_MMAP_THRESHOLD_: _given, ...inherited } = process.env;
        const npm = spawn('npm', ['run', '-s', 'derstream', '--', 'run'], {
          cwd: ROOT,
          env: { ...inherited, ...env },
          // A process group of its own, as a terminal gives a command.
          detached: true,
        });
        let output = '';
        npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        // 'close', not 'exit': once npm has exited and all it wrote has been read.
        const closed = new Promise((resolve) => npm.on('close', resolve));
        await waitFor('the run consuming', () => /^run: consuming /m.test(output), 60_000);
        await new Promise((resolve) => setTimeout(resolve, 500));
        stop(npm);
        await closed;
        // npm relays the signal to the pipeline: a shell in between would die and leave it
        // running, holding the output open, and this wait would not end.
        // Once, though the pipeline gets a Ctrl-C more than once.
        expect(output.match(new RegExp(`^run: ${signal}: stopping`, 'gm'))).toHaveLength(1);
        expect(output).toMatch(/^run: stopped after /m);
        // The allocator setting of the npm script reached the pipeline's process.
        expect(output).toMatch(
          /^allocator: glibc [\d.]+, buffers of 131072 bytes or more mapped on their own/m,
        );
      } finally {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
        await admin.deleteTopics({ topics });
        await admin.disconnect();
      }
    },
    120_000,
  );

  it('topic prints every record a topic holds, one JSON line each, and names the topics when it has none such', async () => {
    const prefix = `test-${runId()}`;
    const env = { ...chdb(), DERSTREAM_TOPIC_PREFIX: `${prefix}.` };
    const config = loadConfig({ ...process.env, ...env });
    const kafka = createKafka(config.kafka);
    const admin = await connectAdmin(kafka, config.kafka);
    const name = config.topics.deadLetter.name;
    const producer = kafka.producer();
    try {
      await admin.createTopics({ topics: [{ topic: name, numPartitions: 2 }], waitForLeaders: true });
      await producer.connect();
      const framed = Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]);
      await producer.send({
        topic: name,
        messages: [
          { partition: 1, key: 'dev-1', value: framed, headers: { 'derstream-reason': 'UNKNOWN_SCHEMA_ID' } },
          { partition: 1, key: 'dev-2', value: '{"a":1}' },
          { partition: 0, key: null, value: Buffer.from([0xff, 0xfe]) },
        ],
      });
      const result = derstream(['topic', name], env);
      expect(result.status).toBe(0);
      const records = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const { timestamp: _t, ...first } = records.find((r) => r.key === 'dev-1')!;
      expect(first).toEqual({
        partition: 1,
        offset: 0,
        key: 'dev-1',
        headers: { 'derstream-reason': 'UNKNOWN_SCHEMA_ID' },
        value: { avro: { schemaId: 7 }, bytes: 8 },
      });
      expect(records.find((r) => r.key === 'dev-2')).toMatchObject({
        partition: 1,
        offset: 1,
        value: '{"a":1}',
      });
      expect(records.find((r) => r.partition === 0)).toMatchObject({ key: null, value: { base64: '//4=' } });
      expect(records).toHaveLength(3);

      expectOneLineError(
        derstream(['topic', `${prefix}.der.nothing`], env),
        new RegExp(
          `^derstream: topic: no topic "${prefix}\\.der\\.nothing" on the brokers \\(derstream's: ${prefix}\\.der\\.telemetry, `,
        ),
      );
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [name] });
      await admin.disconnect();
    }
  });

  it('simulate refuses --invalid without a file, rather than send nothing invalid unsaid', () => {
    expectOneLineError(
      derstream(['simulate', '--invalid', '0.1', '--duration', '1m']),
      /^derstream: --invalid: applies to a file \(--out\) only/,
    );
  });

  it('bad options and commands exit 2 with a pointer to --help', () => {
    const unknown = derstream(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const option = derstream(['simulate', '--colour', 'red']);
    expect(option.status).toBe(2);
    expect(option.stderr).toMatch(/--colour/);
  });
});
