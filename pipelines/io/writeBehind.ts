/** What {@link WriteBehind.add} gives back for one item. */
export interface WriteTicket {
  /** Settles once the write that took the item is done: rejects if it failed. */
  written: Promise<void>;
  /**
   * Room for more (never rejects): at once while what waits for the next write weighs no
   * more than the writer's capacity, else once the write before that one is done.
   */
  room: Promise<void>;
}

/** How much may wait for the next write before {@link WriteTicket.room} waits too. */
export interface WriteBehindCapacity<T> {
  /** The most that may wait, in `weigh`'s units. */
  capacity: number;
  weigh: (item: T) => number;
}

const NOW: Promise<void> = Promise.resolve();

/**
 * Group commit for a stream's outputs. What is handed in while a write is in flight goes
 * out together in the next write, so the stream reads on while earlier outputs are being
 * written, and each write (and the commit after it) carries all that came in meanwhile.
 * Writes run one at a time, in the order their items came in. Waiting for
 * {@link WriteTicket.room} keeps it to one write in flight and one filling.
 *
 * `write` is given `take`, which hands over what is pending: call it where the write's
 * view of the stream is fixed (in the same turn as the offsets it will commit), since
 * items added after it wait for the next write. A write that fails fails every write
 * after it unrun: they could commit past what it did not write.
 *
 * With a capacity, what fills may grow to it before its adders wait: a writer that waits
 * a while before writing (to make its writes fewer and larger) then does not hold up
 * whoever hands it items, while what it holds stays bounded.
 */
export class WriteBehind<T> {
  private pending: T[] = [];
  private pendingWeight = 0;
  private queued: WriteTicket | undefined;
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly write: (take: () => T[]) => Promise<void>,
    private readonly limit: WriteBehindCapacity<T> = { capacity: 0, weigh: () => 1 },
  ) {}

  add(item: T): WriteTicket {
    this.pending.push(item);
    this.pendingWeight += this.limit.weigh(item);
    const queued = (this.queued ??= this.schedule());
    return this.pendingWeight <= this.limit.capacity ? { written: queued.written, room: NOW } : queued;
  }

  /** What waits for the next write (not yet taken), in the capacity's `weigh` units. */
  get waiting(): number {
    return this.pendingWeight;
  }

  /** Resolves once every item handed in so far has been through a write (done or failed). */
  async drain(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }

  private schedule(): WriteTicket {
    const room = this.tail;
    const take = () => {
      this.queued = undefined;
      const items = this.pending;
      this.pending = [];
      this.pendingWeight = 0;
      return items;
    };
    const written = room.then(async () => {
      if (this.failure) throw this.failure.error;
      try {
        await this.write(take);
      } catch (error) {
        this.failure ??= { error };
        throw error;
      } finally {
        // A write that failed before taking leaves its items to nobody: they fail with it.
        if (this.queued?.written === written) take();
      }
    });
    this.tail = written.catch(() => undefined);
    return { written, room };
  }
}
