import { Message } from 'kafkajs';
import { RecordSender } from './recordSender';

/**
 * A simulator's records on their way to a {@link RecordSender}, in requests of up to
 * `batchSize` records: one request in flight while the next fills, sent as soon as the
 * one before is acknowledged. Waiting for each acknowledgement before making more
 * records held the paced simulator to a request per round trip, below the rates the
 * soak asks for.
 */
export class RecordQueue {
  private batch: Message[] = [];
  private pending = 0;
  private inFlight: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  /** Readings and records acknowledged (kafkajs) or queued in the client (librdkafka). */
  sent = 0;
  messages = 0;

  constructor(
    private readonly sender: RecordSender,
    private readonly topic: string,
    private readonly batchSize: number,
    private readonly onProgress?: (sent: number, messages: number) => void,
  ) {}

  /**
   * Queues a record carrying `readings` readings. True when a request's worth waits
   * (or the client's own queue is full): then await {@link sendFull} before adding
   * more. Not async: a promise a record cost the simulator as much as the record.
   */
  add(key: Buffer | string, value: Buffer, readings: number): boolean {
    if (this.failure) throw this.failure.error;
    // Never ahead of a record still waiting for room in the client's queue.
    const queued = !this.inFlight && this.batch.length === 0 && this.sender.queue?.(this.topic, key, value);
    if (queued) {
      this.sent += readings;
      this.messages++;
      return false;
    }
    this.batch.push({ key, value });
    this.pending += readings;
    return this.sender.queue !== undefined || this.batch.length >= this.batchSize;
  }

  /** Waits for the request in flight, then sends what waits. */
  async sendFull(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.sendWaiting();
  }

  /**
   * Sends what waits (unless a request is in flight: then it goes when that one is
   * acknowledged) and resolves at `at` on the wall clock, never before: a timer may fire
   * a millisecond early by the wall clock (libuv counts from the time it cached at the
   * loop's start).
   */
  async sendAndWaitUntil(at: number): Promise<void> {
    this.sendWaiting();
    for (let wait = at - Date.now(); wait > 0; wait = at - Date.now())
      await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Sends what waits and resolves once every request is done; throws what failed. */
  async settled(): Promise<void> {
    this.sendWaiting();
    while (this.inFlight) await this.inFlight;
    if (this.failure) throw this.failure.error;
  }

  /** Waits for what is in flight (not what fails) and closes the sender. */
  async close(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    await this.sender.close();
  }

  private sendWaiting(): void {
    if (this.inFlight || this.batch.length === 0 || this.failure) return;
    const request = this.batch;
    const readings = this.pending;
    this.batch = [];
    this.pending = 0;
    this.inFlight = this.sender.send(this.topic, request).then(
      () => {
        this.sent += readings;
        this.messages += request.length;
        this.inFlight = undefined;
        this.onProgress?.(this.sent, this.messages);
        this.sendWaiting();
      },
      (error: unknown) => {
        this.failure ??= { error };
        this.inFlight = undefined;
      },
    );
  }
}
