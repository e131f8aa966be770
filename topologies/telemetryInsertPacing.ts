import { TelemetryRows } from '../pipelines/io/clickhouse/telemetryRows';

/**
 * Raw telemetry rows (about 90 bytes each) that may wait for the next telemetry insert
 * while reading goes on. The insert waits out DERSTREAM_TELEMETRY_INSERT_EVERY; if the
 * reading waited for it as well, a record would sit in the broker for up to that long,
 * and the one that closes a window with it. Three seconds of 100 k readings/s, 27 MB:
 * the read loop catches up after a stall (a window worked out ahead takes up to a second
 * at half a million devices) 2.5 s before a window's closing reading, and at one
 * second's worth it then waited on an insert just before that reading.
 */
export const TELEMETRY_ROWS_WAITING = 300_000;

/**
 * When the next raw telemetry insert may go: `DERSTREAM_TELEMETRY_INSERT_EVERY` after the
 * last one ended, so what comes in meanwhile goes in one insert. ClickHouse makes a part
 * of each insert and merges them in the background, on the cores the pipeline needs.
 */
export class TelemetryInsertPacing {
  private insertedAt = 0;

  constructor(
    private readonly everyMs: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Resolves once the next insert is due (at once when stopping: a stopping run writes what it has now). */
  async due(): Promise<void> {
    const wait = this.insertedAt + this.everyMs - Date.now();
    if (wait > 0) await pause(wait, this.signal);
  }

  /** Inserts the rows with `insert` (nothing when there are none) and notes when it ended. */
  async insert(rows: readonly TelemetryRows[], insert: () => Promise<void>): Promise<void> {
    if (rows.some((part) => part.count > 0)) await insert();
    this.insertedAt = Date.now();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
