import { Partitioners } from 'kafkajs';
import { WindowClosings } from '../../../benchmarks/harness/windowClosings';

const W = 60_000;
const B = 5_000;
const PARTITIONS = 3;

/** A device id per partition, as kafkajs's default partitioner places it. */
function keysByPartition(): string[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
    partitionId,
    partitionErrorCode: 0,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const keys: string[] = [];
  for (let i = 0; keys.filter(Boolean).length < PARTITIONS; i++) {
    const key = `device-${i}`;
    const partition = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
    keys[partition] ??= key;
  }
  return keys;
}

describe('WindowClosings', () => {
  it('gives each window the arrival of the last partition’s first reading at or after its end + B', () => {
    const [k0, k1, k2] = keysByPartition() as [string, string, string];
    let now = 1_000;
    const closings = new WindowClosings('t', PARTITIONS, W, B, () => now);
    const end = 10 * W;
    closings.add(k0, end - 1_000, 100); // before end + B: closes nothing
    closings.add(k0, end + B, 200);
    closings.add(k1, end + B + 10, 210);
    expect(closings.closings()).toEqual([]); // partition 2 has not reached end + B
    closings.add(k0, end + B + 20, 220); // partition 0 closed it already: no change
    now = 1_500; // the simulator sends partition 2's closing reading late
    closings.add(k2, end + B + 30, 230);
    closings.add(k1, end + B + 40, 240);
    expect(closings.closings()).toEqual([[end, 230, 1_500]]);
  });

  it('closes every window a reading skips past, on that partition', () => {
    const [k0, k1, k2] = keysByPartition() as [string, string, string];
    const closings = new WindowClosings('t', PARTITIONS, W, B, () => 7);
    const end = 10 * W;
    for (const key of [k0, k1, k2]) closings.add(key, end + B, 100);
    closings.add(k0, end + 2 * W + B, 300);
    closings.add(k1, end + W + B, 310);
    closings.add(k2, end + 2 * W + B, 320);
    closings.add(k1, end + 2 * W + B, 330);
    expect(closings.closings()).toEqual([
      [end, 100, 7],
      [end + W, 320, 7],
      [end + 2 * W, 330, 7],
    ]);
  });
});
