/**
 * Which offset each partition may commit: the offset of its first record whose
 * window has not been emitted (and so written) yet, or the next offset after the last
 * record processed when every window is out. Records are taken in offset order; a
 * record whose outputs were written with its batch (invalid, late) is done at once.
 *
 * Conservative with disorder: a record is released only once every record before it
 * is, so the committed offset never passes unwritten work. O(1) amortised per record.
 */
export class CommitTracker {
  private readonly partitions = new Map<
    number,
    { offsets: bigint[]; windowEnds: number[]; head: number; through: bigint | undefined }
  >();

  /** Record `offset` of `partition` was processed; `windowEnd` when its window is still to be emitted. */
  processed(partition: number, offset: bigint, windowEnd?: number): void {
    let state = this.partitions.get(partition);
    if (!state)
      this.partitions.set(partition, (state = { offsets: [], windowEnds: [], head: 0, through: undefined }));
    state.through = offset;
    if (windowEnd === undefined) return;
    // The readings of one record (a gateway's batch) come one after another: the record
    // is released once the last of their windows is out, so one entry with that window.
    const last = state.offsets.length - 1;
    if (last >= state.head && state.offsets[last] === offset) {
      state.windowEnds[last] = Math.max(state.windowEnds[last]!, windowEnd);
      return;
    }
    state.offsets.push(offset);
    state.windowEnds.push(windowEnd);
  }

  /** The offsets to commit now that every window ending at or before `emittedThrough` is written. */
  committable(emittedThrough: number): Map<number, bigint> {
    const commits = new Map<number, bigint>();
    for (const [partition, state] of this.partitions) {
      if (state.through === undefined) continue;
      while (state.head < state.offsets.length && state.windowEnds[state.head]! <= emittedThrough)
        state.head++;
      if (state.head > 1024 && state.head * 2 > state.offsets.length) {
        state.offsets.splice(0, state.head);
        state.windowEnds.splice(0, state.head);
        state.head = 0;
      }
      commits.set(
        partition,
        state.head < state.offsets.length ? state.offsets[state.head]! : state.through + 1n,
      );
    }
    return commits;
  }

  /** The partition went to another instance: its pending records are that instance's now. */
  revoke(partition: number): void {
    this.partitions.delete(partition);
  }
}
