import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerCpuMs, brokerPid } from '../../../benchmarks/harness/brokerProcess';
import { loadConfig } from '../../../topologies/config';
import { connectAdmin, createKafka } from '../../../pipelines/io/kafka/kafkaClient';

/** The broker ops/stack.sh started (the suite runs on it): its PID and the CPU it has used. */
describe('brokerCpuMs', () => {
  it("reads the local broker's CPU, which grows as it serves requests", async () => {
    expect(brokerPid()).toMatch(/^\d+$/);
    const before = brokerCpuMs()!;
    expect(before).toBeGreaterThan(0);
    const config = loadConfig();
    const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
    try {
      let after = before;
      // Ticks are 10 ms: metadata requests until the broker has spent some.
      for (let i = 0; i < 2000 && after === before; i++) {
        await admin.fetchTopicMetadata({ topics: [] });
        after = brokerCpuMs()!;
      }
      expect(after).toBeGreaterThan(before);
    } finally {
      await admin.disconnect();
    }
  });

  it('is undefined where no broker of ops/stack.sh runs', () => {
    const empty = mkdtempSync(join(tmpdir(), 'derstream-stack-'));
    const saved = process.env.DERSTREAM_STACK_DIR;
    process.env.DERSTREAM_STACK_DIR = empty;
    try {
      expect(brokerPid()).toBeUndefined();
      expect(brokerCpuMs()).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.DERSTREAM_STACK_DIR;
      else process.env.DERSTREAM_STACK_DIR = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
