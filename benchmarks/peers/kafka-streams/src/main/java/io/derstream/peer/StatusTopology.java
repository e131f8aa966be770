package io.derstream.peer;

import java.time.Duration;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The topology:
 *
 * <pre>
 * groups topic ──────────────────────────────→ GlobalKTable "groups" (group → members)
 *                                                  │ (read by both processors below)
 * telemetry (Avro) ─ event-time extractor ─ groupByKey (device)
 *   ─ windowedBy(TimeWindows.ofSizeAndGrace(W, B+L)) ─ reduce(last reading)
 *   ─ suppress(untilWindowCloses) ─ process(FanOutToGroups: device → its groups)
 *   ─ repartition by group ─ process(GroupStatusProcessor, stores member-readings, group-progress)
 *   ─ to(output topic, JSON)
 * </pre>
 *
 * In drain mode an end-of-input topic is merged into the telemetry stream: two marker
 * readings per partition, of a device of their own, timestamped past the last window.
 * The second pushes stream time far enough that the suppression emits every data window
 * and then the first marker's window, in window order; the fan-out turns that final
 * into an end-of-input record for every group, and the group step emits a group's last
 * windows once the markers of all source partitions have reached it. This works through
 * the record caches (which hold the reduce's updates until a commit) with no ordering
 * assumption beyond Kafka Streams' own: suppression emits in window-end order, and a
 * repartition topic partition keeps each producing task's order.
 */
final class StatusTopology {
  static final String GROUPS_STORE = "groups";
  static final String END_OF_INPUT_KEY = "\u0000end-of-input";

  private StatusTopology() {}

  static Topology build(PeerOptions options, Counters counters, MembershipIndex index, int inputPartitions) {
    StreamsBuilder builder = new StreamsBuilder();
    Serde<Reading> readingSerde = JsonSerde.of(Reading.class);
    Serde<MemberFinal> finalSerde = JsonSerde.of(MemberFinal.class);
    long graceMs = options.outOfOrdernessMs + options.latenessMs;

    builder.globalTable(
        options.groupsTopic,
        Consumed.with(Serdes.String(), JsonSerde.of(GroupDef.class)).withName("groups-source"),
        Materialized.<String, GroupDef, KeyValueStore<Bytes, byte[]>>as(GROUPS_STORE)
            .withKeySerde(Serdes.String())
            .withValueSerde(JsonSerde.of(GroupDef.class)));

    ConfluentAvroReadingDeserializer avro = new ConfluentAvroReadingDeserializer(options.registryUrl, counters);
    Serde<Reading> telemetrySerde =
        Serdes.serdeFrom(
            (topic, value) -> {
              throw new UnsupportedOperationException("the peer only reads telemetry");
            },
            avro);
    KStream<String, Reading> readings =
        builder.stream(
            options.inputTopic,
            Consumed.with(Serdes.String(), telemetrySerde)
                .withTimestampExtractor(eventTime(options, counters))
                .withName("telemetry-source"));
    if (options.drain) {
      // Markers are readings of the device END_OF_INPUT_KEY (the value is the timestamp).
      Serde<Reading> markerSerde =
          Serdes.serdeFrom(
              (topic, value) -> {
                throw new UnsupportedOperationException();
              },
              (topic, bytes) ->
                  new Reading(END_OF_INPUT_KEY, Long.parseLong(new String(bytes)), 0, null, null, null, null, null, true));
      readings =
          readings.merge(
              builder.stream(options.endOfInputTopic(), Consumed.with(Serdes.String(), markerSerde).withName("end-of-input-source")),
              Named.as("with-end-of-input"));
    }

    // Stage 1, per device on the source partitions: its last reading in each window, final
    // once stream time has passed the window's end by the grace (B + L).
    KStream<Windowed<String>, Reading> finals =
        readings
            .groupByKey(Grouped.with("by-device", Serdes.String(), readingSerde))
            .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(options.windowMs), Duration.ofMillis(graceMs)))
            .reduce(
                Reading::later,
                Named.as("last-reading"),
                Materialized.<String, Reading, WindowStore<Bytes, byte[]>>as("device-window-last")
                    .withKeySerde(Serdes.String())
                    .withValueSerde(readingSerde))
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("device-window-final"))
            .toStream(Named.as("device-window-finals"));

    // Stage 2: device → its groups (and, in drain mode, end-of-input → every group).
    ProcessorSupplier<Windowed<String>, Reading, String, MemberFinal> fanOut =
        () -> new FanOutToGroups(GROUPS_STORE, index, counters, graceMs);
    KStream<String, MemberFinal> byGroup = finals.process(fanOut, Named.as("fan-out-to-groups"));

    // Stage 3, per group: statuses at window ends.
    StoreBuilder<KeyValueStore<String, MemberState>> memberStore =
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(GroupStatusProcessor.MEMBER_STORE), Serdes.String(), JsonSerde.of(MemberState.class));
    StoreBuilder<KeyValueStore<String, GroupProgress>> progressStore =
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(GroupStatusProcessor.PROGRESS_STORE), Serdes.String(), JsonSerde.of(GroupProgress.class));
    ProcessorSupplier<String, MemberFinal, String, GroupStatus> statuses =
        new ProcessorSupplier<>() {
          @Override
          public GroupStatusProcessor get() {
            return new GroupStatusProcessor(GROUPS_STORE, options, inputPartitions, counters);
          }

          @Override
          public Set<StoreBuilder<?>> stores() {
            return Set.of(memberStore, progressStore);
          }
        };
    byGroup
        .repartition(Repartitioned.<String, MemberFinal>as("by-group").withKeySerde(Serdes.String()).withValueSerde(finalSerde))
        .process(statuses, Named.as("group-statuses"))
        .to(options.outputTopic, Produced.with(Serdes.String(), JsonSerde.of(GroupStatus.class)).withName("statuses-sink"));
    return builder.build();
  }

  /**
   * Event time is the reading's {@code ts}. An invalid reading (SEMANTICS.md §1) gets a
   * negative timestamp, which Kafka Streams drops before any processor: it changes no
   * aggregate and does not move stream time, as the semantics ask.
   */
  private static TimestampExtractor eventTime(PeerOptions options, Counters counters) {
    return (record, partitionTime) -> {
      Reading reading = (Reading) record.value();
      if (reading == null) return -1;
      if (reading.invalidReason(System.currentTimeMillis(), options.futureToleranceMs) != null) {
        counters.invalid.increment();
        return -1;
      }
      counters.valid.increment();
      counters.maxValidTs.accumulate(reading.ts());
      return reading.ts();
    };
  }
}
