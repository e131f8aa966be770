package io.derstream.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * Runs the Kafka Streams peer: live until stopped, or with {@code --drain} over what the
 * input topic holds, printing one JSON line of figures when every status is out.
 */
public final class PeerMain {
  private PeerMain() {}

  public static void main(String[] args) {
    PeerOptions options;
    try {
      options = PeerOptions.parse(args, System.getenv());
    } catch (PeerOptions.UsageException e) {
      if (e.getMessage() == null) {
        System.out.print(PeerOptions.USAGE);
        System.exit(0);
      }
      System.err.println("peer: " + e.getMessage() + " (--help lists the options)");
      System.exit(2);
      return;
    }
    try {
      System.exit(run(options));
    } catch (Failure e) {
      System.err.println("peer: " + e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      System.err.println("peer: unexpected error: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }

  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message);
    }
  }

  private static void log(String line) {
    System.err.println("peer: " + line);
  }

  private static int run(PeerOptions o) throws Exception {
    Path stateDir;
    boolean ownStateDir = o.stateDir == null;
    stateDir = ownStateDir ? Files.createTempDirectory("derstream-peer-ks-") : Path.of(o.stateDir);
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers);
    try (Admin admin = Admin.create(adminProps)) {
      int partitions = partitionsOf(admin, o.inputTopic);
      partitionsOf(admin, o.groupsTopic);
      createIfMissing(admin, o.outputTopic, partitions, Map.of());
      long total = 0;
      if (o.drain) {
        total = recordCount(admin, o.inputTopic);
        // Its markers are stamped past the input's event time, which may be older than
        // the broker's retention: keep them.
        createIfMissing(admin, o.endOfInputTopic(), partitions, Map.of("retention.ms", "-1"));
      }
      Counters counters = new Counters();
      MembershipIndex index = new MembershipIndex(1000);
      Topology topology = StatusTopology.build(o, counters, index, partitions);
      if ("1".equals(System.getenv("PEER_DEBUG"))) log(topology.describe().toString());

      Properties props = new Properties();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, o.applicationId);
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers);
      props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, o.threads);
      props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      props.put("default.deserialization.exception.handler", LogAndContinueExceptionHandler.class.getName());
      props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
      // The per-device windows reach the suppression when the record cache flushes, at
      // each commit: with the default 30 s, in a backfill, one task's finals can reach
      // the group step tens of minutes of event time after another's (see README.md).
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, o.commitIntervalMs);
      if (o.drain) props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);

      long outputBefore = endOffsetSum(admin, o.outputTopic);
      KafkaStreams streams = new KafkaStreams(topology, props);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      streams.setUncaughtExceptionHandler(
          e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
          });
      log(
          "application.id " + o.applicationId + ", " + o.threads + " stream threads, " + o.inputTopic + " (" + partitions
              + " partitions" + (o.drain ? ", " + total + " records" : "") + ") → " + o.outputTopic);
      long t0 = System.nanoTime();
      long[] runningAt = {-1};
      streams.setStateListener(
          (next, previous) -> {
            if (next == KafkaStreams.State.RUNNING && runningAt[0] < 0) runningAt[0] = System.nanoTime();
          });
      streams.start();
      if (!o.drain) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      streams.close(Duration.ofSeconds(30));
                      stopped.countDown();
                    }));
        while (!stopped.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
          if (failure.get() != null) throw new Failure("a stream thread failed: " + failure.get());
          log(progress(counters, -1));
        }
        return 0;
      }

      // Drain mode.
      long deadline = t0 + o.timeoutMs * 1_000_000L;
      long lastLog = System.nanoTime();
      long expectedGroups = -1;
      long doneAt = -1;
      while (true) {
        Thread.sleep(10);
        if (failure.get() != null) throw new Failure("a stream thread failed: " + failure.get());
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING)
          throw new Failure("Kafka Streams stopped (" + state + ")");
        long now = System.nanoTime();
        if (now > deadline) throw new Failure("timed out after " + o.timeoutMs + " ms: " + progress(counters, total));
        if (now - lastLog > 5_000_000_000L) {
          log(progress(counters, total));
          lastLog = now;
        }
        if (expectedGroups < 0 && counters.consumed.sum() >= total) {
          expectedGroups = index.groupCount();
          sendEndOfInput(o, partitions, counters);
          log("input consumed (" + counters.consumed.sum() + " records); end-of-input markers sent for " + expectedGroups + " groups");
        }
        if (expectedGroups >= 0 && counters.groupsDrained.get() >= expectedGroups) {
          long produced = endOffsetSum(admin, o.outputTopic) - outputBefore;
          if (produced >= counters.statuses.sum()) {
            doneAt = System.nanoTime();
            break;
          }
        }
      }
      long elapsedMs = (doneAt - t0) / 1_000_000;
      long dropped = droppedRecords(streams);
      long closeStart = System.nanoTime();
      streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(60)));
      long closeMs = (System.nanoTime() - closeStart) / 1_000_000;
      long statusesOnTopic = endOffsetSum(admin, o.outputTopic) - outputBefore;

      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("peer", "kafka-streams");
      figures.put("kafkaStreams", org.apache.kafka.common.utils.AppInfoParser.getVersion());
      figures.put("applicationId", o.applicationId);
      figures.put("inputTopic", o.inputTopic);
      figures.put("outputTopic", o.outputTopic);
      figures.put("partitions", partitions);
      figures.put("threads", o.threads);
      figures.put("records", total);
      figures.put("consumed", counters.consumed.sum());
      figures.put("valid", counters.valid.sum());
      figures.put("invalid", counters.invalid.sum());
      figures.put("undecodable", counters.undecodable.sum());
      figures.put("late", Math.max(0, dropped - counters.invalid.sum() - counters.undecodable.sum()));
      figures.put("memberFinals", counters.memberFinals.sum());
      figures.put("lateAtGroupStep", counters.lateAtGroupStep.sum());
      figures.put("groups", expectedGroups);
      figures.put("statuses", counters.statuses.sum());
      figures.put("statusesOnTopic", statusesOnTopic);
      figures.put("startupMs", runningAt[0] < 0 ? null : (runningAt[0] - t0) / 1_000_000);
      figures.put("elapsedMs", elapsedMs);
      figures.put("readingsPerSecond", elapsedMs == 0 ? null : Math.round(total * 1000.0 / elapsedMs));
      figures.put("closeMs", closeMs);
      System.out.println(JsonSerde.MAPPER.writeValueAsString(figures));
      System.out.flush();

      if (!o.keepInternalTopics) deleteInternals(admin, o.applicationId);
      return 0;
    } finally {
      if (ownStateDir) deleteTree(stateDir);
    }
  }

  private static String progress(Counters c, long total) {
    return "consumed " + c.consumed.sum() + (total >= 0 ? "/" + total : "") + ", valid " + c.valid.sum() + ", member finals "
        + c.memberFinals.sum() + ", statuses " + c.statuses.sum() + ", late at group step " + c.lateAtGroupStep.sum();
  }

  /** One marker per source partition, timestamped past the last window by the grace (see StatusTopology). */
  private static void sendEndOfInput(PeerOptions o, int partitions, Counters counters) throws Exception {
    long grace = o.outOfOrdernessMs + o.latenessMs;
    long maxTs = counters.maxValidTs.get();
    long finalEnd = maxTs == Long.MIN_VALUE ? 0 : Math.floorDiv(maxTs, o.windowMs) * o.windowMs + o.windowMs;
    // The first marker closes every data window; the second closes the first marker's window.
    long first = finalEnd + grace;
    long second = Math.floorDiv(first, o.windowMs) * o.windowMs + o.windowMs + grace;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int partition = 0; partition < partitions; partition++) {
        producer.send(new ProducerRecord<>(o.endOfInputTopic(), partition, first, StatusTopology.END_OF_INPUT_KEY, Long.toString(first)));
        producer.send(new ProducerRecord<>(o.endOfInputTopic(), partition, second, StatusTopology.END_OF_INPUT_KEY + "-2", Long.toString(second)));
      }
      producer.flush();
    }
  }

  /** Records Kafka Streams dropped (invalid timestamps, undecodable, late for a closed window). */
  private static long droppedRecords(KafkaStreams streams) {
    double sum = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
      if (e.getKey().name().equals("dropped-records-total") && e.getKey().group().equals("stream-task-metrics")) {
        Object value = e.getValue().metricValue();
        if (value instanceof Number n) sum += n.doubleValue();
      }
    }
    return Math.round(sum);
  }

  private static int partitionsOf(Admin admin, String topic) throws Exception {
    try {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      return d.partitions().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException)
        throw new Failure("topic " + topic + " does not exist");
      throw e;
    }
  }

  private static void createIfMissing(Admin admin, String topic, int partitions, Map<String, String> configs) throws Exception {
    try {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
      log("created topic " + topic + " (" + partitions + " partitions)");
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }
  }

  private static Map<TopicPartition, Long> offsets(Admin admin, String topic, OffsetSpec spec) throws Exception {
    int partitions = partitionsOf(admin, topic);
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) request.put(new TopicPartition(topic, p), spec);
    Map<TopicPartition, Long> result = new HashMap<>();
    admin.listOffsets(request).all().get().forEach((tp, info) -> result.put(tp, info.offset()));
    return result;
  }

  private static long endOffsetSum(Admin admin, String topic) throws Exception {
    return offsets(admin, topic, OffsetSpec.latest()).values().stream().mapToLong(Long::longValue).sum();
  }

  private static long recordCount(Admin admin, String topic) throws Exception {
    Map<TopicPartition, Long> earliest = offsets(admin, topic, OffsetSpec.earliest());
    long n = 0;
    for (Map.Entry<TopicPartition, Long> e : offsets(admin, topic, OffsetSpec.latest()).entrySet())
      n += e.getValue() - earliest.get(e.getKey());
    return n;
  }

  /** The run's internal topics (repartition, changelogs, end-of-input) and its consumer group. */
  private static void deleteInternals(Admin admin, String applicationId) {
    try {
      List<String> internal = new ArrayList<>();
      for (String topic : admin.listTopics().names().get())
        if (topic.startsWith(applicationId + "-")) internal.add(topic);
      admin.deleteTopics(internal).all().get();
      // Kafka Streams' members do not leave the group on close; the group empties when
      // their sessions time out (session.timeout.ms, set to 10 s for this).
      for (int attempt = 0; ; attempt++) {
        try {
          admin.deleteConsumerGroups(List.of(applicationId)).all().get();
          break;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof GroupNotEmptyException) || attempt >= 30) throw e;
          Thread.sleep(1000);
        }
      }
    } catch (Exception e) {
      log("could not delete the internal topics of " + applicationId + ": " + e.getMessage());
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log("could not delete " + root + ": " + e.getMessage());
    }
  }
}
