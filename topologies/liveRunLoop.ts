import { Batch, Consumer, EachBatchPayload } from 'kafkajs';
import { messageOf } from '../pipelines/errors';
import { LiveHealth } from './liveReadiness';

/**
 * A consumer fetches at least every half second (FETCH_WAIT_MS, kafkaClient.ts), paused or not;
 * a longer gap is the source's silence (a broker outage, a batch held by a retried write).
 */
const FETCH_GAP_MS = 10_000;

/**
 * The turns and the end of a `derstream run` instance. Batches, ticks and rebalances
 * take turns ({@link serial}): the stages and the commit bookkeeping are not shared
 * across awaits. The run ends on the abort signal or on the first failure waiting
 * cannot cure ({@link fail}), which {@link finish} throws once everything is closed.
 */
export class LiveRunLoop {
  private turn: Promise<unknown> = Promise.resolve();
  private fatal: { error: unknown } | undefined;
  private stop: () => void = () => undefined;
  private readonly stopped: Promise<void>;

  constructor(
    signal: AbortSignal,
    private readonly log: (line: string) => void,
  ) {
    this.stopped = new Promise<void>((resolve) => {
      this.stop = resolve;
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.turn.then(work);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /**
   * `work` in its turn, for a timer or a rebalance (nobody awaits it): if it fails, the
   * run stops, logging `run: stopping, <why>: <error>`.
   */
  inTurn(why: string, work: () => Promise<void>): void {
    this.serial(work).catch((error: unknown) => this.fail(error, why));
  }

  /**
   * Stops the run; the first error is the one thrown at the end, and logged as
   * `run: stopping, <why>: <error>` when `why` is given.
   */
  fail(error: unknown, why?: string): void {
    if (!this.fatal && why !== undefined) this.log(`run: stopping, ${why}: ${messageOf(error)}`);
    this.fatal ??= { error };
    this.stop();
  }

  /** Resolves once the run is to stop (aborted or failed). */
  untilStopped(): Promise<void> {
    return this.stopped;
  }

  /** Waits for the turn in hand to end (the batch being written and committed). */
  async drain(): Promise<void> {
    await this.serial(async () => undefined);
  }

  /** After closing: throws what stopped the run, if anything did. */
  finish(): void {
    if (this.fatal) throw this.fatal.error;
  }

  /**
   * Tells `health` when `consumer` joins, crashes or hears from the broker, and stops
   * the run when kafkajs gives the consumer up (a crash it does not restart from).
   * `afterFetchGap` is called when the consumer fetches again after not fetching for a
   * while without leaving its group: that silence was the source's, not the devices'.
   */
  watch(consumer: Consumer, name: string, health: LiveHealth, afterFetchGap?: () => void): void {
    let fetchedAt = Date.now();
    consumer.on(consumer.events.GROUP_JOIN, () => {
      fetchedAt = Date.now();
      health.setJoined(name, true);
    });
    consumer.on(consumer.events.FETCH, () => {
      const now = Date.now();
      if (now - fetchedAt > FETCH_GAP_MS) afterFetchGap?.();
      fetchedAt = now;
      health.brokerSeen();
    });
    consumer.on(consumer.events.HEARTBEAT, () => health.brokerSeen());
    consumer.on(consumer.events.CRASH, (event) => {
      health.setJoined(name, false);
      this.log(`run: ${name} consumer crashed: ${messageOf(event.payload.error)}`);
      if (!event.payload.restart) this.fail(event.payload.error);
    });
  }

  /**
   * A kafkajs `eachBatch` running `handle` in its turn, then `after` (if given) with what
   * it returned, out of turn (handing its outputs to be written, say). While it waits
   * for its turn or for a write, the member heartbeats so it stays in its group. A batch
   * that fails stops the run: what the stages took in from it is in no output, and
   * only a restart from the committed offsets gets it back.
   */
  eachBatch<R>(
    handle: (batch: Batch, heartbeat: () => Promise<void>) => Promise<R>,
    heartbeatIntervalMs: number,
    after?: (result: R) => Promise<void>,
  ): (payload: EachBatchPayload) => Promise<void> {
    return async ({ batch, heartbeat, resolveOffset }) => {
      const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), heartbeatIntervalMs);
      try {
        const result = await this.serial(() => handle(batch, heartbeat));
        await after?.(result);
      } catch (error) {
        this.fail(error);
        throw error;
      } finally {
        clearInterval(keepAlive);
      }
      // The fetch position: without it kafkajs would fetch from the committed offset,
      // which lags on purpose (until windows are out), and deliver records again.
      const last = batch.messages.at(-1);
      if (last) resolveOffset(last.offset);
      await heartbeat();
    };
  }
}
