package io.derstream.peer;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the group step keeps per (group, member device): the final last reading of each
 * window not yet emitted ({@code open}, window end → reading), and {@code base}, the
 * latest reading of the windows already emitted, which is what carries a device across
 * the windows in which it does not report (SEMANTICS.md §4). Bounded by the number of
 * open windows, whatever the device's reporting rate.
 */
public record MemberState(Reading base, TreeMap<Long, Reading> open) {

  public static MemberState empty() {
    return new MemberState(null, new TreeMap<>());
  }

  /** A final for a window not yet emitted. */
  public MemberState withWindow(long windowEnd, Reading reading) {
    TreeMap<Long, Reading> next = new TreeMap<>(open);
    next.merge(windowEnd, reading, Reading::later);
    return new MemberState(base, next);
  }

  /** A final for a window already emitted: it changes nothing emitted, but later windows carry it. */
  public MemberState withLate(Reading reading) {
    return new MemberState(base == null ? reading : Reading.later(base, reading), open);
  }

  /** The last reading before {@code windowEnd}: the one of the latest window ending at or before it. */
  public Reading lastBefore(long windowEnd) {
    Map.Entry<Long, Reading> entry = open.floorEntry(windowEnd);
    return entry != null ? entry.getValue() : base;
  }

  public boolean reports(long windowEnd) {
    return open.containsKey(windowEnd);
  }

  /** Folds the windows ending at or before {@code windowEnd} into {@code base}; {@code this} when none. */
  public MemberState closeThrough(long windowEnd) {
    if (open.isEmpty() || open.firstKey() > windowEnd) return this;
    TreeMap<Long, Reading> rest = new TreeMap<>(open.tailMap(windowEnd, false));
    Reading latest = base;
    for (Reading reading : open.headMap(windowEnd, true).values())
      latest = latest == null ? reading : Reading.later(latest, reading);
    return new MemberState(latest, rest);
  }
}
