import { seededRandom } from '../../benchmarks/simulator/fleet';
import { LiveFixture, upTo } from '../support/liveFixture';
import { LiveInstance } from '../support/liveInstance';

/**
 * `derstream run` killed with SIGKILL at three random points and restarted each time
 * gives, in ClickHouse and on the status topic (deduplicated by group, window and
 * version), the statuses of a run that never stopped (the replay of the same readings,
 * which the live test shows equal to an uninterrupted live run).
 */
describe('derstream run killed and restarted', () => {
  const fixture = new LiveFixture({
    devices: 1000,
    groups: 12,
    minutes: 30,
    seed: 21,
    env: {
      // A killed consumer holds its partitions until its session times out: keep that short.
      DERSTREAM_KAFKA_SESSION_TIMEOUT: '6s',
      // Small batches: many commits over the run, so a kill lands between two of them.
      DERSTREAM_KAFKA_FETCH_BYTES: '32768',
      DERSTREAM_TELEMETRY_INSERT_EVERY: '100ms',
    },
  });
  afterAll(() => fixture.tearDown());

  it('gives the statuses of an uninterrupted run after three kill -9s', async () => {
    await fixture.setUp();
    await fixture.produce();
    const replayed = await fixture.replayed();
    const reader = await fixture.followStatuses();
    const windows = new Set([...replayed.values()].map((s) => s.windowEnd)).size;

    const random = seededRandom(Number.parseInt(fixture.tag, 16) % 1_000_000);
    const runs: LiveInstance[] = [];
    const kills: number[] = [];
    try {
      for (let k = 0; k < 3; k++) {
        // Killed once it has published a random window of the first half of those still
        // to come (a time would not do, as the whole input takes the pipeline seconds) and
        // committed offsets on every partition beyond where it started: each restart
        // then resumes from offsets of the run before, not from the beginning.
        const before = (await fixture.committed()).sum;
        const run = fixture.start(`run ${k + 1}`);
        runs.push(run);
        const left = windows - 3 - reader.windows;
        const target = reader.windows + 1 + Math.floor((random() * Math.max(1, left)) / 2);
        const committedSince = async () => {
          const now = await fixture.committed();
          return now.partitions === 12 && now.sum > before;
        };
        for (let i = 0; i < 600 && (reader.windows < target || !(await committedSince())); i++)
          await new Promise((r) => setTimeout(r, 50));
        kills.push(reader.windows);
        await run.stop('SIGKILL');
      }
      // The last window is never emitted: live has no end of input, and its watermark stays
      // B behind the last reading. Every window before it is.
      const last = fixture.start('last run');
      runs.push(last);
      for (let i = 0; i < 1800 && reader.windows < windows - 1; i++)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1000));
      await last.stop('SIGTERM');
    } finally {
      await reader.stop();
    }
    const lastWindow = fixture.end - 60_000;

    expect(kills.length).toBe(3);
    // Every kill fell while windows were still to come.
    expect(Math.max(...kills)).toBeLessThan(windows - 2);
    // The second and third runs and the last resumed from the offsets of the run before.
    expect(
      runs
        .map((run) => run.output)
        .join('')
        .match(/run: resumed 12 partitions/g),
    ).toHaveLength(3);
    const expected = upTo(replayed, lastWindow);
    expect(upTo(await fixture.stored(), lastWindow)).toEqual(expected);
    expect(reader.differingRepeats).toEqual([]);
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
  }, 300_000);
});
