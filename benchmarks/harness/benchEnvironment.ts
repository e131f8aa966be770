import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Kafka } from 'kafkajs';
import { DerstreamConfig, loadConfig } from '../../topologies/config';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { batchSubject, valueSubject } from '../../pipelines/io/registry/telemetrySchemas';

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
  const prefix = `bench-${scenario}-${id}.`;
  const chdbDir = mkdtempSync(join(tmpdir(), 'derstream-bench-chdb-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DERSTREAM_TOPIC_PREFIX: prefix,
    DERSTREAM_CONSUMER_GROUP: `bench-${scenario}-${id}`,
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
        await deleteTopicsWithPrefix(admin, prefix);
        const groups = (await admin.listGroups()).groups
          .map((g) => g.groupId)
          .filter((groupId) => groupId.startsWith(config.consumerGroup) || groupId.startsWith(prefix));
        if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      } finally {
        await admin.disconnect();
        await deleteSubject(config, valueSubject(config.topics.telemetry.name));
        await deleteSubject(config, batchSubject(config.topics.telemetry.name));
        rmSync(chdbDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Deletes every topic whose name starts with `prefix`, listing again until none is
 * left: a topic created just before (a run that failed while setting up) can be
 * missing from the first listing, and a deletion shows a moment late.
 */
async function deleteTopicsWithPrefix(admin: Admin, prefix: string): Promise<void> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
    if (topics.length === 0) return;
    // Refusals (a topic already on its way out, one not yet known) are settled by the next listing.
    await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
  process.stderr.write(`bench: topics starting with ${prefix} are still there; delete them by hand\n`);
}

/** Removes the run's registry subject (soft, then for good); best effort: a leftover subject harms nothing. */
async function deleteSubject(config: DerstreamConfig, subject: string): Promise<void> {
  const base = config.registry.url.toString().replace(/\/$/, '');
  const headers: Record<string, string> =
    config.registry.username === undefined
      ? {}
      : {
          authorization: `Basic ${Buffer.from(`${config.registry.username}:${config.registry.password ?? ''}`).toString('base64')}`,
        };
  for (const query of ['', '?permanent=true']) {
    await fetch(`${base}/subjects/${encodeURIComponent(subject)}${query}`, {
      method: 'DELETE',
      headers,
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
  }
}
