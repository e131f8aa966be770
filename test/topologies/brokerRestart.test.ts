import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/cli';
import { LiveFixture, upTo, waitFor, withRunLog } from '../support/liveFixture';

/**
 * The broker stopped and started again (through ops/stack.sh) while `derstream run`
 * works: /readyz says Kafka is out while it is, the pipeline reconnects by itself, and
 * the statuses in ClickHouse and on the topic are those of a run that saw no outage.
 * The broker is an instance of its own (state folder and ports), so the suite's stack
 * keeps serving everything else; the registry is the suite's.
 */
const ports = { kafka: 19392, controller: 19393 };

describe('derstream run across a broker restart', () => {
  const state = mkdtempSync(join(tmpdir(), 'derstream-broker-'));
  const stack = (...args: string[]) =>
    spawnSync('bash', ['ops/stack.sh', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
      env: {
        ...process.env,
        DERSTREAM_STACK_DIR: state,
        DERSTREAM_KAFKA_PORT: String(ports.kafka),
        DERSTREAM_CONTROLLER_PORT: String(ports.controller),
        DERSTREAM_KAFKA_HEAP: '384m',
      },
    });

  afterAll(() => {
    // The broker goes with its state: its topics need no deleting.
    stack('down');
    rmSync(state, { recursive: true, force: true });
  });

  it('reports the outage on /readyz, reconnects, and loses nothing', async () => {
    expect(stack('up', 'kafka').status).toBe(0);
    const fixture = new LiveFixture({
      devices: 300,
      groups: 6,
      minutes: 16,
      seed: 41,
      env: { DERSTREAM_KAFKA_BROKERS: `127.0.0.1:${ports.kafka}`, DERSTREAM_KAFKA_FETCH_BYTES: '32768' },
    });
    await fixture.setUp();
    // Readings keep coming after the outage: the second part is produced once the broker is back.
    const split = Math.floor(fixture.arrivals.length * 0.6);
    await fixture.produce(0, split);
    const lastWindow = fixture.end - 60_000;
    const expected = upTo(await fixture.replayed(), lastWindow);
    const reader = await fixture.followStatuses();

    const run = fixture.runInProcess();
    const readiness = async () => {
      if (run.failure()) throw run.failure();
      const response = await fetch(`${run.url()}/readyz`);
      return {
        status: response.status,
        report: (await response.json()) as { failed: string[]; checks: { name: string; detail: string }[] },
      };
    };

    let outage: { failed: string[]; kafka?: string } | undefined;
    try {
      await waitFor('statuses of a few windows', () => reader.windows >= 3, 120_000);
      await waitFor(
        'ready before the outage',
        async () => run.url() !== '' && (await readiness()).status === 200,
        60_000,
      );

      expect(stack('down').status).toBe(0);
      await waitFor(
        '/readyz to report the outage',
        async () => {
          const { status, report } = await readiness();
          if (status !== 503) return false;
          outage = {
            failed: report.failed,
            kafka: report.checks.find((check) => check.name === 'kafka')?.detail,
          };
          return true;
        },
        60_000,
        250,
      );
      // Down long enough for kafkajs to give up its own retries and restart the consumer.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      expect(stack('up', 'kafka').status).toBe(0);
      await waitFor('ready again', async () => (await readiness()).status === 200, 120_000, 500);

      await fixture.produce(split);
      await waitFor(
        'every window before the last on the status topic',
        () => {
          if (run.failure()) throw run.failure();
          return upTo(reader.latest, lastWindow).size >= expected.size;
        },
        180_000,
        200,
      );
    } catch (error) {
      throw withRunLog(error, reader, run);
    } finally {
      await run.stop();
      await reader.stop();
    }

    expect(outage?.failed).toContain('kafka');
    expect(outage?.kafka).toMatch(/consumer not in its group|no answer from the broker/);
    expect(run.failure()).toBeUndefined();
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
    expect(reader.differingRepeats).toEqual([]);
    expect(upTo(await fixture.stored(), lastWindow)).toEqual(expected);
  }, 480_000);
});
