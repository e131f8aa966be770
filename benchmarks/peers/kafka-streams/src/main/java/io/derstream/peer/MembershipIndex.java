package io.derstream.peer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * device → groups, the inverse of the groups GlobalKTable (group → members).
 *
 * <p>A GlobalKTable can only be looked up by its own key, and a stream–GlobalKTable join
 * maps a record to one table key, while a device may be in several groups: the fan-out
 * needs the inverse map. It is derived here from the GlobalKTable's store, which every
 * stream thread can read: built on first use (the global table is fully bootstrapped
 * before any task processes a record) and rebuilt, when the table changed, at most once
 * per refresh interval (wall-clock punctuation of the fan-out processors). One instance
 * per KafkaStreams client, shared by its tasks; the snapshot is immutable.
 */
final class MembershipIndex {
  record Snapshot(Map<String, GroupDef> groups, Map<String, String[]> groupsOfDevice) {}

  private static final String[] NONE = new String[0];
  private final long refreshMs;
  private volatile Snapshot snapshot;
  private volatile long refreshedAt;

  MembershipIndex(long refreshMs) {
    this.refreshMs = refreshMs;
  }

  String[] groupsOf(String deviceId) {
    return snapshot.groupsOfDevice.getOrDefault(deviceId, NONE);
  }

  List<String> groupIds() {
    return new ArrayList<>(snapshot.groups.keySet());
  }

  int groupCount() {
    Snapshot s = snapshot;
    return s == null ? 0 : s.groups.size();
  }

  /** Rebuilds from the GlobalKTable's store if never built or older than the refresh interval. */
  void refresh(ReadOnlyKeyValueStore<String, ValueAndTimestamp<GroupDef>> store, long now) {
    if (snapshot != null && now - refreshedAt < refreshMs) return;
    synchronized (this) {
      if (snapshot != null && now - refreshedAt < refreshMs) return;
      Map<String, GroupDef> groups = new HashMap<>();
      try (KeyValueIterator<String, ValueAndTimestamp<GroupDef>> all = store.all()) {
        while (all.hasNext()) {
          KeyValue<String, ValueAndTimestamp<GroupDef>> entry = all.next();
          GroupDef group = entry.value == null ? null : entry.value.value();
          if (group != null && group.exists()) groups.put(entry.key, group);
        }
      }
      if (snapshot == null || !snapshot.groups.equals(groups)) {
        Map<String, List<String>> inverse = new HashMap<>();
        for (Map.Entry<String, GroupDef> group : groups.entrySet())
          for (GroupDef.Member member : group.getValue().memberList())
            inverse.computeIfAbsent(member.deviceId(), d -> new ArrayList<>(2)).add(group.getKey());
        Map<String, String[]> groupsOfDevice = new HashMap<>(inverse.size() * 2);
        inverse.forEach((device, ids) -> groupsOfDevice.put(device, ids.toArray(NONE)));
        snapshot = new Snapshot(groups, groupsOfDevice);
      }
      refreshedAt = now;
    }
  }
}
