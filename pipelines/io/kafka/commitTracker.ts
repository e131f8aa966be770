/**
 * Which offset each partition may commit: the offset of its first record whose
 * window has not been emitted (and so written) yet, or the next offset after the last
 * record processed when every window is out. Records are taken in offset order; a
 * record whose outputs were written with its batch (invalid, late) is done at once.
 *
 * Conservative with disorder: a record is released only once every record before it
 * is, so the committed offset never passes unwritten work. O(1) amortised per record.
 *
 * Kept as runs, not a record each: a record whose window ends no later than the run
 * before it is released with that run whatever its own window, so it joins the run.
 * In order, a partition's records are runs of one window each; a backlog of a million
 * pending records was 136 MB as an offset and a window end each.
 */
export class CommitTracker {
  private readonly partitions = new Map<
    number,
    { starts: bigint[]; windowEnds: number[]; head: number; through: bigint | undefined }
  >();

  /** Record `offset` of `partition` was processed; `windowEnd` when its window is still to be emitted. */
  processed(partition: number, offset: bigint, windowEnd?: number): void {
    let state = this.partitions.get(partition);
    if (!state)
      this.partitions.set(partition, (state = { starts: [], windowEnds: [], head: 0, through: undefined }));
    state.through = offset;
    if (windowEnd === undefined) return;
    const last = state.starts.length - 1;
    if (last >= state.head) {
      if (state.windowEnds[last]! >= windowEnd) return;
      // A later window for a record that alone makes the last run (a gateway's readings
      // come one after another): the run waits for it.
      if (state.starts[last] === offset) {
        state.windowEnds[last] = windowEnd;
        return;
      }
    }
    state.starts.push(offset);
    state.windowEnds.push(windowEnd);
  }

  /** The offsets to commit now that every window ending at or before `emittedThrough` is written. */
  committable(emittedThrough: number): Map<number, bigint> {
    const commits = new Map<number, bigint>();
    for (const [partition, state] of this.partitions) {
      if (state.through === undefined) continue;
      while (state.head < state.starts.length && state.windowEnds[state.head]! <= emittedThrough)
        state.head++;
      if (state.head > 1024 && state.head * 2 > state.starts.length) {
        state.starts.splice(0, state.head);
        state.windowEnds.splice(0, state.head);
        state.head = 0;
      }
      commits.set(
        partition,
        state.head < state.starts.length ? state.starts[state.head]! : state.through + 1n,
      );
    }
    return commits;
  }

  /** The partition went to another instance: its pending records are that instance's now. */
  revoke(partition: number): void {
    this.partitions.delete(partition);
  }
}
