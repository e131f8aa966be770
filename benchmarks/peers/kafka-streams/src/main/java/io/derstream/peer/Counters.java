package io.derstream.peer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/** Figures of one run, shared by the stream threads and read by the main thread. */
final class Counters {
  /** Telemetry records the deserializer was handed (every record of the input topic read). */
  final LongAdder consumed = new LongAdder();
  final LongAdder undecodable = new LongAdder();
  final LongAdder invalid = new LongAdder();
  final LongAdder valid = new LongAdder();
  final LongAccumulator maxValidTs = new LongAccumulator(Math::max, Long.MIN_VALUE);
  /** Per-device window finals fanned out to groups (one per device, window and group). */
  final LongAdder memberFinals = new LongAdder();
  /** Finals that reached the group step after their window had been emitted (its grace was too short). */
  final LongAdder lateAtGroupStep = new LongAdder();
  final LongAdder statuses = new LongAdder();
  /** Groups whose end-of-input markers have all arrived and whose last windows are out (drain mode). */
  final AtomicLong groupsDrained = new AtomicLong();
}
