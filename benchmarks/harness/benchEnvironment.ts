import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Kafka } from 'kafkajs';
import { DerstreamConfig, loadConfig } from '../../topologies/config';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { removeRunFromStack } from '../../ops/stackCleanup';

/**
 * One benchmark run's own corner of the shared stack: a topic prefix
 * (`bench-<scenario>-<id>.`), consumer groups named after it, a chDB directory in the
 * temp folder and the pipeline's HTTP server on a free port. `teardown` deletes every
 * topic with the prefix (also those the peer created), the consumer groups, the
 * registry subjects and the chDB directory.
 */
export interface BenchEnvironment {
  id: string;
  prefix: string;
  /** The derstream configuration of this run (topics prefixed, own chDB, HTTP port 0). */
  config: DerstreamConfig;
  /** The same as environment variables, for child processes. */
  env: NodeJS.ProcessEnv;
  kafka: Kafka;
  admin: Admin;
  chdbDir: string;
  teardown(): Promise<void>;
}

export async function openBenchEnvironment(
  scenario: string,
  settings: Record<string, string> = {},
): Promise<BenchEnvironment> {
  const id = randomUUID().slice(0, 8);
  const run = `bench-${scenario}-${id}`;
  const prefix = `${run}.`;
  const chdbDir = mkdtempSync(join(tmpdir(), 'derstream-bench-chdb-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DERSTREAM_TOPIC_PREFIX: prefix,
    DERSTREAM_CONSUMER_GROUP: run,
    DERSTREAM_CHDB_PATH: chdbDir,
    DERSTREAM_HTTP_PORT: '0',
    ...settings,
  };
  const config = loadConfig(env);
  const kafka = createKafka(config.kafka);
  const admin = await connectAdmin(kafka, config.kafka);
  return {
    id,
    prefix,
    config,
    env,
    kafka,
    admin,
    chdbDir,
    async teardown() {
      try {
        const { topicsLeft } = await removeRunFromStack(admin, config.registry, (name) =>
          name.startsWith(run),
        );
        if (topicsLeft.length > 0) {
          process.stderr.write(`bench: topics starting with ${run} are still there; delete them by hand\n`);
        }
      } finally {
        await admin.disconnect();
        rmSync(chdbDir, { recursive: true, force: true });
      }
    },
  };
}
