package io.derstream.peer;

import java.time.Duration;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Re-keys each device's final window reading by group: one record per group the device
 * is in (device → groups from {@link MembershipIndex}); a device in no group feeds no
 * group. The record's timestamp is the reading's event time. In drain mode the final of
 * the first end-of-input marker is broadcast to every group instead.
 */
final class FanOutToGroups implements Processor<Windowed<String>, Reading, String, MemberFinal> {
  private final String groupsStore;
  private final MembershipIndex index;
  private final Counters counters;
  private final long graceMs;
  private ProcessorContext<String, MemberFinal> context;

  FanOutToGroups(String groupsStore, MembershipIndex index, Counters counters, long graceMs) {
    this.groupsStore = groupsStore;
    this.index = index;
    this.counters = counters;
    this.graceMs = graceMs;
  }

  @Override
  public void init(ProcessorContext<String, MemberFinal> context) {
    this.context = context;
    ReadOnlyKeyValueStore<String, ValueAndTimestamp<GroupDef>> store = context.getStateStore(groupsStore);
    index.refresh(store, System.currentTimeMillis());
    context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> index.refresh(store, now));
  }

  @Override
  public void process(Record<Windowed<String>, Reading> record) {
    String deviceId = record.key().key();
    long windowEnd = record.key().window().end();
    Reading reading = record.value();
    int source = context.taskId().partition();
    if (StatusTopology.END_OF_INPUT_KEY.equals(deviceId)) {
      // Drain mode: this task's partition has emitted every data window; tell every group.
      long finalEnd = reading.ts() - graceMs;
      for (String groupId : index.groupIds())
        context.forward(new Record<>(groupId, MemberFinal.endOfInput(source, finalEnd), record.timestamp()));
      return;
    }
    for (String groupId : index.groupsOf(deviceId)) {
      context.forward(new Record<>(groupId, MemberFinal.of(deviceId, windowEnd, reading, source), reading.ts()));
      counters.memberFinals.increment();
    }
  }
}
