import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric derstream exports on `/metrics`, in a registry of its own (so tests and
 * several pipelines in one process never share counters), beside Node's default
 * process metrics. The live topology updates the fields; names and units follow
 * Prometheus's conventions (base units, `_total` counters), and `promtool check
 * metrics` passes on the output (tested).
 *
 * Label values are bounded sets (reason codes, verbs, table names, partitions,
 * parameters and methods), never group or device ids: a series per group would grow
 * with the fleet.
 */
export class PipelineMetrics {
  readonly registry = new Registry();

  /**
   * Readings read from telemetry by outcome: `{result: "valid"}`, `{result: "late"}`, or
   * `{result: "invalid", reason: <code>}` with the reason code of validateReading or the
   * live decoder (UNDECODABLE, MISSING_FIELD, ..., NOT_CONFLUENT_FRAMED, OVERSIZED).
   */
  readonly readings = new Counter({
    name: 'derstream_readings_total',
    help: 'Telemetry readings read, by result (valid, invalid, late) and, for invalid ones, reason code.',
    labelNames: ['result', 'reason'] as const,
    registers: [this.registry],
  });

  /** Status versions published, by verb: `created` (version 1) or `changed`. */
  readonly statusesEmitted = new Counter({
    name: 'derstream_statuses_emitted_total',
    help: 'Group status versions published, by verb (created, changed).',
    labelNames: ['verb'] as const,
    registers: [this.registry],
  });

  /** Set through {@link observeWatermark}: computed at each scrape, so it grows while the pipeline stalls. */
  readonly watermarkLag = new Gauge({
    name: 'derstream_watermark_lag_seconds',
    help: "Wall clock minus the pipeline's event-time watermark, in seconds (NaN before the first watermark).",
    registers: [this.registry],
    collect: () => {
      const watermark = this.watermarkMs;
      this.watermarkLag.set(watermark === undefined ? NaN : (Date.now() - watermark) / 1000);
    },
  });

  /** Records not yet read, per topic and partition: log end offset minus the consumer's position. */
  readonly consumerLag = new Gauge({
    name: 'derstream_consumer_lag_records',
    help: 'Records in the partition after the consumer position (log end offset minus position).',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });

  /** 1 while consuming is paused because a write is being retried (backpressure). */
  readonly consumerPaused = new Gauge({
    name: 'derstream_consumer_paused',
    help: 'Whether consuming telemetry is paused while a ClickHouse or Kafka write is retried (1) or not (0).',
    registers: [this.registry],
  });

  /** Each pause of a telemetry partition for its lead (pipelines/window/partitionLead.ts). */
  readonly partitionLeadPauses = new Counter({
    name: 'derstream_partition_lead_pauses_total',
    help: "Times a telemetry partition was paused because its watermark ran more than DERSTREAM_MAX_PARTITION_LEAD ahead of the pipeline's.",
    registers: [this.registry],
  });

  /** Observed through {@link observePublished}. */
  readonly windowCloseToPublish = new Histogram({
    name: 'derstream_window_close_to_publish_seconds',
    help: "Wall-clock seconds from a window's end to its status being acknowledged on Kafka (includes the out-of-orderness bound).",
    buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers: [this.registry],
  });

  /** One observation per insert statement, by table (`telemetry`, `group_statuses`, ...). */
  readonly clickhouseInsertDuration = new Histogram({
    name: 'derstream_clickhouse_insert_duration_seconds',
    help: 'Duration of one ClickHouse insert, by table.',
    labelNames: ['table'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly clickhouseInsertedRows = new Counter({
    name: 'derstream_clickhouse_inserted_rows_total',
    help: 'Rows inserted into ClickHouse, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  /** Records sent to `der.dead-letter`, by the reason code in their header. */
  readonly deadLetters = new Counter({
    name: 'derstream_dead_letters_total',
    help: 'Records sent to the dead-letter topic, by reason code.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly groupsTracked = new Gauge({
    name: 'derstream_groups_tracked',
    help: 'Groups in the membership in force, whose statuses the pipeline computes.',
    registers: [this.registry],
  });

  readonly devicesTracked = new Gauge({
    name: 'derstream_devices_tracked',
    help: 'Devices the pipeline holds a last reading for.',
    registers: [this.registry],
  });

  /** 1 − MAE / MAE of persistence over the accuracy window, per parameter and method; > 0 beats persistence. */
  readonly forecastSkill = new Gauge({
    name: 'derstream_forecast_skill',
    help: 'Forecast skill score against persistence (1 - MAE / MAE of persistence), by parameter and method.',
    labelNames: ['parameter', 'method'] as const,
    registers: [this.registry],
  });

  private watermarkMs: number | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which promtool's lint refuses; each is the sum of the
    // same name without `_total`, by type, which stays.
    for (const name of ['nodejs_active_handles', 'nodejs_active_requests', 'nodejs_active_resources']) {
      this.registry.removeSingleMetric(`${name}_total`);
    }
    // Series that exist from the start, so rate() sees their first increase.
    for (const result of ['valid', 'late']) this.readings.inc({ result }, 0);
    for (const verb of ['created', 'changed']) this.statusesEmitted.inc({ verb }, 0);
  }

  /** The pipeline's watermark (epoch ms) after a batch. */
  observeWatermark(watermarkMs: number): void {
    this.watermarkMs = watermarkMs;
  }

  /** A status of the window ending at `windowEndMs` was acknowledged on Kafka at `publishedAtMs`. */
  observePublished(windowEndMs: number, publishedAtMs: number = Date.now()): void {
    this.windowCloseToPublish.observe(Math.max(0, publishedAtMs - windowEndMs) / 1000);
  }
}
