import {
  booleanSetting,
  durationSetting,
  Env,
  integerSetting,
  stringSetting,
  urlSetting,
} from '../pipelines/config/settings';
import { IEC_DRAFT_NAMESPACE_BASE, IecNamespaces, iecNamespaces } from '../pipelines/translate/iecNamespaces';
import { LiveSemantics, parseSemanticsConfig } from '../pipelines/config/semanticsConfig';
import { ClickhouseConfig, parseClickhouseConfig } from '../pipelines/io/clickhouse/clickhouseConfig';
import { KafkaConfig, parseKafkaConfig } from '../pipelines/io/kafka/kafkaConfig';
import { RegistryConfig, parseRegistryConfig } from '../pipelines/io/registry/registryConfig';
import { ConfigError } from '../pipelines/errors';
import { HttpConfig, parseHttpConfig } from '../pipelines/io/http/httpConfig';
import { ForecastSettings, parseForecastConfig } from '../pipelines/forecast/forecastConfig';
import { Topics, prefixedTopics } from './topics';

/**
 * derstream's whole configuration, read from the environment once at start-up and
 * validated before anything connects: a bad value stops the process with one line
 * naming the setting. Each adapter documents its own settings beside its code.
 */
export interface DerstreamConfig {
  kafka: KafkaConfig;
  registry: RegistryConfig;
  clickhouse: ClickhouseConfig;
  semantics: LiveSemantics;
  /** Forecast schedule and horizon (pipelines/forecast/forecastConfig.ts). */
  forecasts: ForecastSettings;
  /** The HTTP side of `derstream run` (pipelines/io/http/httpConfig.ts). */
  http: HttpConfig;
  /** Every topic, named with `DERSTREAM_TOPIC_PREFIX` (empty by default) in front. */
  topics: Topics;
  /** `DERSTREAM_CONSUMER_GROUP` (`derstream`): instances in one group share the partitions. */
  consumerGroup: string;
  /** `DERSTREAM_MAX_MESSAGE_BYTES` (1 MiB): larger telemetry records are dead-lettered as OVERSIZED. */
  maxMessageBytes: number;
  /**
   * `DERSTREAM_SCALE_OUT` (unset): `partials` runs `derstream run` as one of several
   * instances, the partial aggregates travelling to the merge stage through
   * `der.partials` (topologies/scaledLive.ts); unset, one instance does both stages.
   */
  scaleOut: 'partials' | undefined;
  /**
   * `DERSTREAM_MAX_BATCH_READINGS` (10000): a gateway's TelemetryBatch with more readings
   * is dead-lettered whole as BATCH_TOO_LARGE.
   */
  maxBatchReadings: number;
  /**
   * `DERSTREAM_MAX_PARTITION_LEAD` (the window length W): a telemetry partition whose
   * watermark runs more than this ahead of the pipeline's is paused until it is back
   * within half of it (pipelines/window/partitionLead.ts). Catching up on a backlog, it
   * bounds each device's open windows to about lead / W + 2. 0 never pauses.
   */
  maxPartitionLeadMs: number;
  /**
   * `DERSTREAM_TELEMETRY_INSERT_EVERY` (1s): raw telemetry goes into ClickHouse at most
   * this often, what came in meanwhile in one insert, and offsets are committed after it.
   * ClickHouse makes a part of every insert and merges them in the background: dozens of
   * small inserts a second keep it merging, on the cores the pipeline needs. Statuses
   * are written and published without waiting for it. 0 inserts with every write.
   */
  telemetryInsertEveryMs: number;
  /**
   * IEC 61968-100 messages on `dms.DERGroupStatuses`: `DERSTREAM_IEC_SOURCE` (`derstream`)
   * is the Header Source, `DERSTREAM_IEC_COMPRESSED` (false) sends the payload gzipped,
   * `DERSTREAM_IEC_BATCH_BYTES` (unset: one message per status) puts all groups of a
   * window in messages of at most that many bytes. `DERSTREAM_IEC_MAX_REQUEST_BYTES`
   * (4 MiB) refuses larger requests on `dms.requests` and `POST /iec` unread.
   * `DERSTREAM_IEC_STATE_OF_CHARGE_KIND` (unset) is the DERParameterKind state-of-charge
   * forecasts are written with; unset leaves them out, as the draft schema has none.
   * `DERSTREAM_IEC_NAMESPACE_BASE` (`http://iec.ch/TC57/2017/`, the draft's) is put
   * before `DERGroupStatuses#`, `DERGroupStatusesMessage`, `DERGroupForecasts#`, ... to
   * name the namespaces of what is published, for a DMS on another edition of the profiles.
   */
  iec: {
    source: string;
    compressed: boolean;
    batch?: { maxBytes: number };
    maxRequestBytes: number;
    stateOfChargeKind?: string;
    /** Namespaces of the profiles and messages derstream publishes. */
    namespaces: IecNamespaces;
  };
}

export function loadConfig(env: Env = process.env): DerstreamConfig {
  const semantics = parseSemanticsConfig(env);
  return {
    kafka: parseKafkaConfig(env),
    registry: parseRegistryConfig(env),
    clickhouse: parseClickhouseConfig(env),
    semantics,
    forecasts: parseForecastConfig(env, semantics.windowMs),
    http: parseHttpConfig(env),
    topics: prefixedTopics(topicPrefix(env)),
    consumerGroup: stringSetting(env, 'DERSTREAM_CONSUMER_GROUP', 'derstream'),
    maxMessageBytes: integerSetting(env, 'DERSTREAM_MAX_MESSAGE_BYTES', 1 << 20, 64, 64 << 20),
    scaleOut: scaleOut(env, semantics.latenessMs),
    maxBatchReadings: integerSetting(env, 'DERSTREAM_MAX_BATCH_READINGS', 10_000, 1, 1_000_000),
    maxPartitionLeadMs: durationSetting(env, 'DERSTREAM_MAX_PARTITION_LEAD', semantics.windowMs),
    telemetryInsertEveryMs: durationSetting(env, 'DERSTREAM_TELEMETRY_INSERT_EVERY', 1000),
    iec: {
      source: stringSetting(env, 'DERSTREAM_IEC_SOURCE', 'derstream'),
      compressed: booleanSetting(env, 'DERSTREAM_IEC_COMPRESSED', false),
      batch:
        env.DERSTREAM_IEC_BATCH_BYTES === undefined || env.DERSTREAM_IEC_BATCH_BYTES === ''
          ? undefined
          : { maxBytes: integerSetting(env, 'DERSTREAM_IEC_BATCH_BYTES', 0, 4096, 64 << 20) },
      maxRequestBytes: integerSetting(env, 'DERSTREAM_IEC_MAX_REQUEST_BYTES', 4 << 20, 1024, 64 << 20),
      stateOfChargeKind: stringSetting(env, 'DERSTREAM_IEC_STATE_OF_CHARGE_KIND', '') || undefined,
      namespaces: iecNamespaces(
        urlSetting(env, 'DERSTREAM_IEC_NAMESPACE_BASE', IEC_DRAFT_NAMESPACE_BASE, ['http:', 'https:', 'urn:'])
          .href,
      ),
    },
  };
}

function topicPrefix(env: Env): string {
  const prefix = stringSetting(env, 'DERSTREAM_TOPIC_PREFIX', '');
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) {
    throw new ConfigError(
      'DERSTREAM_TOPIC_PREFIX',
      `"${prefix}" may hold only letters, digits, ".", "_" and "-"`,
    );
  }
  return prefix;
}

function scaleOut(env: Env, latenessMs: number): 'partials' | undefined {
  const value = stringSetting(env, 'DERSTREAM_SCALE_OUT', '');
  if (value === '') return undefined;
  if (value !== 'partials')
    throw new ConfigError('DERSTREAM_SCALE_OUT', `"${value}" is not one of: partials (or unset)`);
  // Scaled out, a window is final once merged: re-emitting it would need the partials
  // of every source partition again (see topologies/scaledLive.ts).
  if (latenessMs !== 0)
    throw new ConfigError('DERSTREAM_SCALE_OUT', 'partials needs DERSTREAM_LATENESS=0 (allowed lateness)');
  return value;
}
