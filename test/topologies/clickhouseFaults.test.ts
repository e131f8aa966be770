import { FaultyClickhouse } from '../support/faultyClickhouse';
import { connectAdmin } from '../../pipelines/io/kafka/kafkaClient';
import { LiveFixture, upTo, waitFor } from '../support/liveFixture';

/**
 * `derstream run` against a ClickHouse that refuses two in five inserts (half of them
 * before writing, half after) and stalls about one in seven: it retries with backoff, pauses
 * consuming while it does, never commits an offset whose readings are not stored, and
 * ends with exactly the statuses of a clean run.
 */
describe('derstream run with ClickHouse failing and stalling writes', () => {
  const fixture = new LiveFixture({
    devices: 400,
    groups: 6,
    minutes: 15,
    seed: 31,
    // Small fetches: many batches, so many writes to break and many commits to check.
    env: { DERSTREAM_KAFKA_FETCH_BYTES: '32768' },
  });
  afterAll(() => fixture.tearDown());

  it('retries, pauses the consumer, commits only what is written, and loses nothing', async () => {
    const { config } = fixture;
    const { lastWindow, expected, reader } = await fixture.readyToRun();

    let faulty: FaultyClickhouse | undefined;
    const run = fixture.runInProcess({
      clickhouse: (opened) =>
        // A run makes about 20 inserts (telemetry goes in once a second): with these
        // shares, seed 5's draws give each kind of fault within the first 8.
        (faulty = new FaultyClickhouse(opened, {
          failBefore: 0.2,
          stall: 0.15,
          failAfter: 0.2,
          stallMs: 1500,
          seed: 5,
          tables: ['telemetry', 'group_statuses'],
        })),
    });

    // Every committed offset, as the group coordinator has it, against what is stored:
    // the offsets are read first, so the rows they cover were written before this look.
    const admin = await connectAdmin(fixture.kafka, config.kafka);
    const uncovered: string[] = [];
    let commitsSeen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [topic] = await admin.fetchOffsets({
          groupId: config.consumerGroup,
          topics: [config.topics.telemetry.name],
        });
        for (const { partition, offset } of topic?.partitions ?? []) {
          const committed = Number(offset);
          if (committed <= 0) continue;
          commitsSeen++;
          for (let o = 0; o < committed; o++) {
            if (!faulty!.telemetryWritten.has(`${partition}:${o}`)) uncovered.push(`${partition}:${o}`);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();

    try {
      await waitFor(
        'every window before the last on the status topic',
        () => {
          if (run.failure()) throw run.failure();
          return upTo(reader.latest, lastWindow).size >= expected.size;
        },
        240_000,
        200,
      );
    } finally {
      sampling = false;
      await sampler;
      await admin.disconnect();
      await run.stop();
      await reader.stop();
    }

    const injected = faulty!.injected;
    expect(injected.failedBefore).toBeGreaterThan(0);
    expect(injected.failedAfter).toBeGreaterThan(0);
    expect(injected.stalled).toBeGreaterThan(0);
    expect(
      run.log.some((line) => /writing .* to ClickHouse failed \(try \d+, SERVICE_UNAVAILABLE\)/.test(line)),
    ).toBe(true);
    const paused = run.log.filter(
      (line) => line === 'run: consuming paused until the writes in hand succeed',
    );
    expect(paused.length).toBeGreaterThan(0);
    expect(run.log.filter((line) => line === 'run: consuming resumed')).toHaveLength(paused.length);

    expect(commitsSeen).toBeGreaterThan(10);
    expect(uncovered).toEqual([]);

    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
    expect(reader.differingRepeats).toEqual([]);
    expect(upTo(await fixture.stored(), lastWindow)).toEqual(expected);
  }, 300_000);
});
