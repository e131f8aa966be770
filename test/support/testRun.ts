import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../topologies/config';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { removeRunFromStack } from '../../ops/stackCleanup';
import { messageOf } from '../../pipelines/errors';

/**
 * One jest run's tag, a few hex digits that `runId()` puts at the start of every id a
 * test names topics, consumer groups and registry subjects with (`test-<tag>…`).
 */
export const TEST_RUN_SETTING = 'DERSTREAM_TEST_RUN';
/** The run's own temporary folder, which `TMPDIR` points at while the tests run. */
const TEST_TMPDIR_SETTING = 'DERSTREAM_TEST_TMPDIR';

/**
 * jest's globalSetup: tags the run and gives it its own temporary folder, so that what
 * the tests make (chDB directories, fixtures, test stacks' state, the browser's
 * profile) is found and removed at the end instead of piling up in /tmp and in the
 * local broker run after run.
 */
export function beginTestRun(): void {
  const tag = randomBytes(3).toString('hex');
  process.env[TEST_RUN_SETTING] = tag;
  process.env[TEST_TMPDIR_SETTING] = process.env.TMPDIR = mkdtempSync(
    join(tmpdir(), `derstream-test-${tag}-`),
  );
}

/**
 * jest's globalTeardown: deletes the run's topics, consumer groups and registry
 * subjects from the stack the tests used, and its temporary folder. Cleaning up is
 * best effort: a stack that is already down (a unit-test-only run) leaves nothing of
 * ours to delete, so this says so and lets the run's own result stand.
 */
export async function endTestRun(): Promise<void> {
  const tag = process.env[TEST_RUN_SETTING];
  const dir = process.env[TEST_TMPDIR_SETTING];
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  if (tag === undefined) return;
  const config = loadConfig(process.env);
  const belongs = (name: string) => /^test[-.]/.test(name) && name.includes(tag);
  try {
    const admin = await connectAdmin(createKafka(config.kafka, { retries: 0 }), config.kafka);
    try {
      const { topicsLeft } = await removeRunFromStack(admin, config.registry, belongs);
      if (topicsLeft.length > 0)
        process.stderr.write(`test: ${topicsLeft.length} topic(s) of run ${tag} are still there\n`);
    } finally {
      await admin.disconnect();
    }
  } catch (error) {
    process.stderr.write(`test: did not clean run ${tag} from the stack: ${messageOf(error)}\n`);
  }
}
