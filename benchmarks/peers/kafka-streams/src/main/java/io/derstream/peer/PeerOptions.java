package io.derstream.peer;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peer's settings: each from its flag, else its environment variable, else the default.
 * Defaults follow derstream's (DERSTREAM_KAFKA_BROKERS, DERSTREAM_REGISTRY_URL,
 * DERSTREAM_TOPIC_PREFIX and the semantics defaults of SEMANTICS.md).
 */
final class PeerOptions {
  static final String USAGE =
      """
      usage: run.sh [options]          (every option also reads the environment variable in brackets)

        --bootstrap-servers H:P   Kafka                                 [DERSTREAM_KAFKA_BROKERS] (127.0.0.1:9092)
        --registry-url URL        Confluent-compatible registry API     [DERSTREAM_REGISTRY_URL]
                                  (http://127.0.0.1:8081/apis/ccompat/v7)
        --input-topic T           telemetry, Avro (Confluent framing)   [PEER_INPUT_TOPIC] (<prefix>der.telemetry)
        --groups-topic T          membership JSON, compacted            [PEER_GROUPS_TOPIC] (<prefix>der.groups)
        --output-topic T          statuses JSON, created if missing     [PEER_OUTPUT_TOPIC] (<prefix>peer.kafka-streams.statuses)
                                  (<prefix> is DERSTREAM_TOPIC_PREFIX, empty by default)
        --application-id ID       Kafka Streams application.id          [PEER_APPLICATION_ID]
                                  (derstream-peer-kafka-streams; with --drain: that plus -<epoch ms>, fresh each run)
        --threads N               num.stream.threads                    [PEER_THREADS] (2)
        --state-dir DIR           state.dir                             [PEER_STATE_DIR] (a temp folder)
        --window D                window length W                       [PEER_WINDOW] (60s)
        --out-of-orderness D      B; the stage-1 grace is B + L         [PEER_OUT_OF_ORDERNESS] (5s)
        --lateness D              L                                     [PEER_LATENESS] (0)
        --staleness D             S                                     [PEER_STALENESS] (3 W)
        --group-close RULE        when the group step takes a window as complete   [PEER_GROUP_CLOSE] (partitions)
                                  partitions: every source partition has sent a final of a later window
                                  (or has been silent for --idle-timeout)
                                  grace:      the task's stream time is past the window end by --group-grace
        --idle-timeout D          wall-clock silence after which a source partition holds nothing back
                                  [PEER_IDLE_TIMEOUT] (30s; with --drain: never, the end-of-input markers end the input)
        --group-grace D           grace of the group step with --group-close grace   [PEER_GROUP_GRACE] (2m)
        --commit-interval D       commit.interval.ms (flushes the record caches)  [PEER_COMMIT_INTERVAL] (1s)
        --future-tolerance D      readings further ahead of the clock are invalid  [PEER_FUTURE_TOLERANCE] (5m)
        --drain                   benchmark mode: read the input topic from the start, stop when all of it
                                  is consumed and every status is on the output topic, print one JSON line
        --timeout D               drain mode: give up after this long   [PEER_TIMEOUT] (30m)
        --keep-internal-topics    drain mode: keep the run's internal topics and consumer group
        --help
      durations: 250ms, 5s, 2m, 1h, or a number of milliseconds
      """;

  String bootstrapServers;
  String registryUrl;
  String inputTopic;
  String groupsTopic;
  String outputTopic;
  String applicationId;
  int threads;
  String stateDir;
  long windowMs;
  long outOfOrdernessMs;
  long latenessMs;
  long stalenessMs;
  long groupGraceMs;
  long futureToleranceMs;
  long commitIntervalMs;
  boolean groupCloseByPartitions;
  long idleTimeoutMs;
  boolean drain;
  long timeoutMs;
  boolean keepInternalTopics;

  String endOfInputTopic() {
    return applicationId + "-end-of-input";
  }

  static PeerOptions parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    PeerOptions o = new PeerOptions();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--help", "-h" -> throw new UsageException(null);
        case "--drain" -> o.drain = true;
        case "--keep-internal-topics" -> o.keepInternalTopics = true;
        default -> {
          if (!arg.startsWith("--")) throw new UsageException("unexpected argument " + arg);
          String name = arg, value;
          int eq = arg.indexOf('=');
          if (eq > 0) {
            name = arg.substring(0, eq);
            value = arg.substring(eq + 1);
          } else {
            if (i + 1 >= args.length) throw new UsageException(arg + " needs a value");
            value = args[++i];
          }
          flags.put(name, value);
        }
      }
    }
    Setting s = new Setting(flags, env);
    String prefix = env.getOrDefault("DERSTREAM_TOPIC_PREFIX", "");
    o.bootstrapServers = s.string("--bootstrap-servers", "DERSTREAM_KAFKA_BROKERS", "127.0.0.1:9092");
    o.registryUrl = s.string("--registry-url", "DERSTREAM_REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7");
    o.inputTopic = s.string("--input-topic", "PEER_INPUT_TOPIC", prefix + "der.telemetry");
    o.groupsTopic = s.string("--groups-topic", "PEER_GROUPS_TOPIC", prefix + "der.groups");
    o.outputTopic = s.string("--output-topic", "PEER_OUTPUT_TOPIC", prefix + "peer.kafka-streams.statuses");
    String defaultId = "derstream-peer-kafka-streams" + (o.drain ? "-" + System.currentTimeMillis() : "");
    o.applicationId = s.string("--application-id", "PEER_APPLICATION_ID", defaultId);
    o.threads = (int) s.integer("--threads", "PEER_THREADS", 2, 1, 64);
    o.stateDir = s.string("--state-dir", "PEER_STATE_DIR", null);
    o.windowMs = s.duration("--window", "PEER_WINDOW", 60_000, 1);
    o.outOfOrdernessMs = s.duration("--out-of-orderness", "PEER_OUT_OF_ORDERNESS", 5_000, 0);
    o.latenessMs = s.duration("--lateness", "PEER_LATENESS", 0, 0);
    o.stalenessMs = s.duration("--staleness", "PEER_STALENESS", 3 * o.windowMs, 0);
    o.groupGraceMs = s.duration("--group-grace", "PEER_GROUP_GRACE", 120_000, 0);
    o.futureToleranceMs = s.duration("--future-tolerance", "PEER_FUTURE_TOLERANCE", 300_000, 0);
    String close = s.string("--group-close", "PEER_GROUP_CLOSE", "partitions");
    if (!close.equals("partitions") && !close.equals("grace"))
      throw new UsageException("--group-close (PEER_GROUP_CLOSE): \"" + close + "\" must be partitions or grace");
    o.groupCloseByPartitions = close.equals("partitions");
    // In a backfill a source partition's finals can reach a group task tens of seconds
    // after another's without it being idle (its records are still on their way).
    o.idleTimeoutMs = s.duration("--idle-timeout", "PEER_IDLE_TIMEOUT", o.drain ? Long.MAX_VALUE : 30_000, 1);
    o.commitIntervalMs = s.duration("--commit-interval", "PEER_COMMIT_INTERVAL", 1000, 1);
    o.timeoutMs = s.duration("--timeout", "PEER_TIMEOUT", 30 * 60_000, 1);
    for (String name : flags.keySet())
      if (!s.used.contains(name)) throw new UsageException("unknown option " + name);
    return o;
  }

  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  private static final class Setting {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    final Map<String, String> flags;
    final Map<String, String> env;
    final java.util.Set<String> used = new java.util.HashSet<>();

    Setting(Map<String, String> flags, Map<String, String> env) {
      this.flags = flags;
      this.env = env;
    }

    String raw(String flag, String var) {
      used.add(flag);
      String value = flags.get(flag);
      if (value == null) value = env.get(var);
      return value == null || value.isEmpty() ? null : value;
    }

    String string(String flag, String var, String fallback) {
      String value = raw(flag, var);
      return value == null ? fallback : value;
    }

    long integer(String flag, String var, long fallback, long min, long max) {
      String value = raw(flag, var);
      if (value == null) return fallback;
      try {
        long n = Long.parseLong(value);
        if (n < min || n > max) throw new NumberFormatException();
        return n;
      } catch (NumberFormatException e) {
        throw new UsageException(flag + " (" + var + "): \"" + value + "\" must be an integer from " + min + " to " + max);
      }
    }

    long duration(String flag, String var, long fallback, long min) {
      String value = raw(flag, var);
      if (value == null) return fallback;
      Matcher m = DURATION.matcher(value.trim());
      if (!m.matches())
        throw new UsageException(flag + " (" + var + "): \"" + value + "\" is not a duration (250ms, 5s, 2m, 1h, or ms)");
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "ms" : m.group(2);
      long ms =
          switch (unit) {
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n;
          };
      if (ms < min) throw new UsageException(flag + " (" + var + "): must be at least " + min + " ms");
      return ms;
    }
  }
}
