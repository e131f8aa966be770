package io.derstream.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The group step, keyed by group mRID: keeps each member's final window readings in a
 * state store and, once a window is complete, emits its status for every group of the
 * task, computed member by member from the group's current definition in the
 * GlobalKTable (SEMANTICS.md §4: a member's last reading is carried across windows;
 * fresh within the staleness bound, stale beyond it, silent without one; every window
 * from the group's first fresh member on, without gaps, for as long as the group exists).
 *
 * <p>Why a processor and not a second windowed aggregation: a windowed aggregate only
 * sees the records that fall into the window, and a status also counts the members that
 * did not report in it (carried, stale, silent) and exists for windows with no record
 * at all. That is state at the window's end, which is what a processor with a store
 * expresses.
 *
 * <p>When is a window complete? Its finals come from every source partition's task
 * through the repartition topic, each task at its own pace. Two rules ({@code --group-close}):
 * <ul>
 *   <li>{@code partitions} (default): each source task emits its finals in window order,
 *       so a final for window j from partition p means p is done with every window
 *       before j. A window is complete when every source partition has been seen past it;
 *       a partition silent for {@code idleMs} of wall-clock time stops holding windows back.
 *   <li>{@code grace}: the textbook rule, on this task's stream time: complete once stream
 *       time has passed the window's end by the group grace. Fine live, but in a backfill
 *       event time runs ~100x faster than the wall clock, and a second of scheduling skew
 *       between source tasks is minutes of event time: most finals then come too late
 *       (counted as {@code lateAtGroupStep}).
 * </ul>
 */
final class GroupStatusProcessor implements Processor<String, MemberFinal, String, GroupStatus> {
  static final String MEMBER_STORE = "member-readings";
  static final String PROGRESS_STORE = "group-progress";
  private static final boolean DEBUG = "1".equals(System.getenv("PEER_DEBUG"));

  private final String groupsStore;
  private final long windowMs;
  private final long groupGraceMs;
  private final long stalenessMs;
  private final long idleMs;
  private final boolean byPartitions;
  private final Counters counters;
  private ProcessorContext<String, GroupStatus> context;
  private KeyValueStore<String, MemberState> memberStore;
  private KeyValueStore<String, GroupProgress> progressStore;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<GroupDef>> groups;
  /** Largest event time of the member finals this task has seen (end-of-input markers excluded). */
  private long streamTime = Long.MIN_VALUE;
  /** Per source partition: the largest window end it has sent here, and when (wall clock). */
  private final long[] sourceWindow;
  private final long[] sourceHeard;
  private long closedThrough = Long.MIN_VALUE;
  private final Map<String, BitSet> endOfInput = new HashMap<>();

  GroupStatusProcessor(String groupsStore, PeerOptions options, int sourcePartitions, Counters counters) {
    this.groupsStore = groupsStore;
    this.windowMs = options.windowMs;
    this.groupGraceMs = options.groupGraceMs;
    this.stalenessMs = options.stalenessMs;
    this.idleMs = options.idleTimeoutMs;
    this.byPartitions = options.groupCloseByPartitions;
    this.counters = counters;
    this.sourceWindow = new long[sourcePartitions];
    this.sourceHeard = new long[sourcePartitions];
  }

  @Override
  public void init(ProcessorContext<String, GroupStatus> context) {
    this.context = context;
    memberStore = context.getStateStore(MEMBER_STORE);
    progressStore = context.getStateStore(PROGRESS_STORE);
    groups = context.getStateStore(groupsStore);
    Arrays.fill(sourceWindow, Long.MIN_VALUE);
    Arrays.fill(sourceHeard, System.currentTimeMillis());
    if (byPartitions) context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::closeWindows);
  }

  @Override
  public void process(Record<String, MemberFinal> record) {
    String groupId = record.key();
    MemberFinal value = record.value();
    int source = value.source();
    sourceHeard[source] = System.currentTimeMillis();
    if (value.endOfInput()) {
      sourceWindow[source] = Math.max(sourceWindow[source], value.windowEnd() + windowMs);
      endOfInput(groupId, value);
      return;
    }
    sourceWindow[source] = Math.max(sourceWindow[source], value.windowEnd());
    String key = groupId + '\u0000' + value.deviceId();
    GroupProgress progress = progressStore.get(groupId);
    MemberState state = memberStore.get(key);
    if (state == null) state = MemberState.empty();
    if (progress != null && progress.started() && value.windowEnd() <= progress.lastEmittedEnd()) {
      counters.lateAtGroupStep.increment();
      if (DEBUG && counters.lateAtGroupStep.sum() < 20)
        System.err.println("late: task " + context.taskId() + " group " + groupId + " device " + value.deviceId() + " window " + value.windowEnd()
            + " from " + source + " lastEmitted " + progress.lastEmittedEnd() + " sources " + Arrays.toString(sourceWindow) + " closedThrough " + closedThrough);
      memberStore.put(key, state.withLate(value.reading()));
    } else {
      memberStore.put(key, state.withWindow(value.windowEnd(), value.reading()));
      if (progress == null) progressStore.put(groupId, new GroupProgress(value.windowEnd(), Long.MIN_VALUE));
      else if (!progress.started() && value.windowEnd() < progress.firstEnd())
        progressStore.put(groupId, new GroupProgress(value.windowEnd(), Long.MIN_VALUE));
    }
    streamTime = Math.max(streamTime, record.timestamp());
    closeWindows(System.currentTimeMillis());
  }

  /** Emits, for every group of this task, the windows that have become complete. */
  private void closeWindows(long now) {
    long closed;
    if (byPartitions) {
      long through = Long.MAX_VALUE;
      boolean any = false;
      for (int p = 0; p < sourceWindow.length; p++) {
        if (idleMs != Long.MAX_VALUE && now - sourceHeard[p] >= idleMs) continue; // idle: holds nothing back
        any = true;
        // A final for window j from p: p is done with the windows before j.
        through = Math.min(through, sourceWindow[p] == Long.MIN_VALUE ? Long.MIN_VALUE : sourceWindow[p] - windowMs);
      }
      if (!any) return;
      closed = through;
    } else {
      if (streamTime == Long.MIN_VALUE) return;
      closed = Math.floorDiv(streamTime - groupGraceMs, windowMs) * windowMs;
    }
    if (closed <= closedThrough) return;
    closedThrough = closed;
    List<KeyValue<String, GroupProgress>> all = new ArrayList<>();
    try (KeyValueIterator<String, GroupProgress> it = progressStore.all()) {
      it.forEachRemaining(all::add);
    }
    for (KeyValue<String, GroupProgress> entry : all) emitThrough(entry.key, entry.value, closed);
  }

  private void endOfInput(String groupId, MemberFinal marker) {
    BitSet seen = endOfInput.computeIfAbsent(groupId, g -> new BitSet());
    seen.set(marker.source());
    if (seen.cardinality() < sourceWindow.length) return;
    endOfInput.remove(groupId);
    GroupProgress progress = progressStore.get(groupId);
    if (DEBUG) System.err.println("drain: task " + context.taskId() + " group " + groupId + " through " + marker.windowEnd() + " sources " + Arrays.toString(sourceWindow));
    if (progress != null) emitThrough(groupId, progress, marker.windowEnd());
    counters.groupsDrained.incrementAndGet();
  }

  /** Emits the group's windows after the last emitted one, through the window ending at {@code through}. */
  private void emitThrough(String groupId, GroupProgress progress, long through) {
    long from = progress.started() ? progress.lastEmittedEnd() + windowMs : progress.firstEnd();
    if (from > through) return;
    ValueAndTimestamp<GroupDef> current = groups.get(groupId);
    GroupDef group = current == null ? null : current.value();
    if (group == null || !group.exists()) {
      // Deleted (or never defined): no status; a group defined again starts anew.
      progressStore.delete(groupId);
      return;
    }
    int windows = (int) ((through - from) / windowMs) + 1;
    StatusAccumulator[] acc = new StatusAccumulator[windows];
    for (int i = 0; i < windows; i++) acc[i] = new StatusAccumulator();
    List<GroupDef.Member> members = group.memberList();
    for (GroupDef.Member member : members) {
      String key = groupId + '\u0000' + member.deviceId();
      MemberState state = memberStore.get(key);
      if (state == null) continue; // silent in every window
      for (int i = 0; i < windows; i++) {
        long end = from + i * windowMs;
        acc[i].add(state.lastBefore(end), state.reports(end), member.ratedEnergy(), end, stalenessMs);
      }
      MemberState closed = state.closeThrough(through);
      if (closed != state) memberStore.put(key, closed);
    }
    int first = 0;
    if (!progress.started()) while (first < windows && !acc[first].anyFresh()) first++;
    // Statuses are stamped with the wall clock (when emitted): window ends of a backfill
    // can be older than the output topic's retention.
    long now = System.currentTimeMillis();
    for (int i = first; i < windows; i++) {
      long end = from + i * windowMs;
      context.forward(new Record<>(groupId, acc[i].finish(groupId, end, windowMs, members.size()), now));
      counters.statuses.increment();
    }
    if (first == windows) {
      // Not started: no member fresh so far; the group starts at a later window.
      progressStore.put(groupId, new GroupProgress(through + windowMs, Long.MIN_VALUE));
      return;
    }
    progressStore.put(groupId, new GroupProgress(progress.firstEnd(), through));
  }
}
