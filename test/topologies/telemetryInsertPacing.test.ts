import { TelemetryRows } from '../../pipelines/io/clickhouse/telemetryRows';
import { TelemetryInsertPacing } from '../../topologies/telemetryInsertPacing';
import { reading } from '../support/readings';

const T = 1_767_225_600_000;

function rowsOf(n: number): TelemetryRows {
  const rows = new TelemetryRows();
  for (let i = 0; i < n; i++) rows.add(reading(`der-${i}`, T + i), 'valid', 0, i, 0, T);
  return rows;
}

describe('TelemetryInsertPacing', () => {
  beforeEach(() => jest.useFakeTimers({ now: T }));
  afterEach(() => jest.useRealTimers());

  /** Whether `promise` has settled once the timers have advanced by `ms`. */
  async function settledAfter(promise: Promise<void>, ms: number): Promise<() => boolean> {
    let settled = false;
    void promise.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(ms);
    return () => settled;
  }

  it('lets the first insert go at once, the next one the interval after the last ended', async () => {
    const pacing = new TelemetryInsertPacing(1000, new AbortController().signal);
    expect((await settledAfter(pacing.due(), 0))()).toBe(true);
    const insert = jest.fn(async () => {
      // The insert itself takes 300 ms: the interval counts from its end.
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    const inserting = pacing.insert([rowsOf(2)], insert);
    await jest.advanceTimersByTimeAsync(300);
    await inserting;
    expect(insert).toHaveBeenCalledTimes(1);
    const due = pacing.due();
    expect((await settledAfter(due, 999))()).toBe(false);
    expect((await settledAfter(due, 1))()).toBe(true);
  });

  it('does not insert rows that are all empty, but still counts the interval from then', async () => {
    const pacing = new TelemetryInsertPacing(1000, new AbortController().signal);
    const insert = jest.fn(async () => undefined);
    await pacing.insert([new TelemetryRows(), new TelemetryRows()], insert);
    expect(insert).not.toHaveBeenCalled();
    expect((await settledAfter(pacing.due(), 500))()).toBe(false);
  });

  it('lets the next insert go at once when the run is stopping', async () => {
    const controller = new AbortController();
    const pacing = new TelemetryInsertPacing(60_000, controller.signal);
    await pacing.insert([rowsOf(1)], async () => undefined);
    const due = pacing.due();
    expect((await settledAfter(due, 10))()).toBe(false);
    controller.abort();
    expect((await settledAfter(due, 0))()).toBe(true);
  });
});
