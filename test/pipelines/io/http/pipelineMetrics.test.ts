import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PipelineMetrics } from '../../../../pipelines/io/http/pipelineMetrics';
import { startTestServer, TestServer } from './httpFixtures';

const root = join(__dirname, '../../../..');

/** Every derstream metric, with its type: what dashboards and alerts are written against. */
const DERSTREAM_METRICS = {
  derstream_readings_total: 'counter',
  derstream_statuses_emitted_total: 'counter',
  derstream_watermark_lag_seconds: 'gauge',
  derstream_consumer_lag_records: 'gauge',
  derstream_consumer_paused: 'gauge',
  derstream_partition_lead_pauses_total: 'counter',
  derstream_window_close_to_publish_seconds: 'histogram',
  derstream_clickhouse_insert_duration_seconds: 'histogram',
  derstream_clickhouse_inserted_rows_total: 'counter',
  derstream_dead_letters_total: 'counter',
  derstream_groups_tracked: 'gauge',
  derstream_devices_tracked: 'gauge',
  derstream_forecast_skill: 'gauge',
};

/** What a running pipeline would have recorded after a few batches. */
function record(metrics: PipelineMetrics, now: number): void {
  metrics.readings.inc({ result: 'valid' }, 1200);
  metrics.readings.inc({ result: 'late' }, 3);
  metrics.readings.inc({ result: 'invalid', reason: 'MISSING_FIELD' }, 2);
  metrics.readings.inc({ result: 'invalid', reason: 'NOT_CONFLUENT_FRAMED' });
  metrics.statusesEmitted.inc({ verb: 'created' }, 100);
  metrics.statusesEmitted.inc({ verb: 'changed' }, 4);
  metrics.observeWatermark(now - 65_000);
  for (let partition = 0; partition < 3; partition++) {
    metrics.consumerLag.set({ topic: 'der.telemetry', partition: String(partition) }, partition * 10);
  }
  metrics.observePublished(now - 7_500, now);
  metrics.observePublished(now - 61_000, now);
  metrics.clickhouseInsertDuration.observe({ table: 'telemetry' }, 0.042);
  metrics.clickhouseInsertDuration.observe({ table: 'group_statuses' }, 0.011);
  metrics.clickhouseInsertedRows.inc({ table: 'telemetry' }, 1200);
  metrics.clickhouseInsertedRows.inc({ table: 'group_statuses' }, 104);
  metrics.deadLetters.inc({ reason: 'MISSING_FIELD' }, 2);
  metrics.groupsTracked.set(100);
  metrics.devicesTracked.set(10_000);
  metrics.partitionLeadPauses.inc(2);
  metrics.forecastSkill.set({ parameter: 'activePower', method: 'holtWinters' }, 0.23);
}

describe('/metrics', () => {
  let server: TestServer;
  let text: string;
  let contentType: string | null;
  beforeAll(async () => {
    server = await startTestServer();
    record(server.metrics, Date.now());
    const response = await server.get('/metrics');
    contentType = response.headers.get('content-type');
    text = await response.text();
  });
  afterAll(() => server.close());

  it('passes promtool check metrics', () => {
    const promtool = execFileSync('bash', [join(root, 'ops/ensure-promtool.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({
      status: 0,
      output: '',
    });
  });

  it('lets promtool find a problem (the check above can fail)', () => {
    const promtool = execFileSync('bash', [join(root, 'ops/ensure-promtool.sh')], {
      encoding: 'utf8',
    }).trim();
    const bad = '# HELP derstream_things Things.\n# TYPE derstream_things counter\nderstream_things 1\n';
    const check = spawnSync(promtool, ['check', 'metrics'], { input: bad, encoding: 'utf8' });
    expect(check.status).not.toBe(0);
    expect(check.stdout + check.stderr).toContain('counter metrics should have "_total" suffix');
  });

  it('is the Prometheus text format', () => {
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('has every derstream metric with its help and type', () => {
    for (const [name, type] of Object.entries(DERSTREAM_METRICS)) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.+$`, 'm'));
      expect(text).toContain(`\n# TYPE ${name} ${type}\n`);
    }
    const exported = [...text.matchAll(/^# TYPE (derstream_\w+)/gm)].map((m) => m[1]);
    expect(exported.sort()).toEqual(Object.keys(DERSTREAM_METRICS).sort());
  });

  it('has the default process metrics', () => {
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('carries what was recorded', () => {
    for (const line of [
      'derstream_readings_total{result="valid"} 1200',
      'derstream_readings_total{result="late"} 3',
      'derstream_readings_total{result="invalid",reason="MISSING_FIELD"} 2',
      'derstream_statuses_emitted_total{verb="changed"} 4',
      'derstream_consumer_lag_records{topic="der.telemetry",partition="2"} 20',
      'derstream_window_close_to_publish_seconds_bucket{le="10"} 1',
      'derstream_window_close_to_publish_seconds_bucket{le="90"} 2',
      'derstream_window_close_to_publish_seconds_sum 68.5',
      'derstream_clickhouse_inserted_rows_total{table="group_statuses"} 104',
      'derstream_clickhouse_insert_duration_seconds_count{table="telemetry"} 1',
      'derstream_dead_letters_total{reason="MISSING_FIELD"} 2',
      'derstream_groups_tracked 100',
      'derstream_devices_tracked 10000',
      'derstream_forecast_skill{parameter="activePower",method="holtWinters"} 0.23',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});

describe('PipelineMetrics', () => {
  const sample = async (metrics: PipelineMetrics, name: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values;

  it('computes the watermark lag at scrape time, so it grows while the pipeline stalls', async () => {
    const metrics = new PipelineMetrics();
    expect((await sample(metrics, 'derstream_watermark_lag_seconds'))[0]!.value).toBeNaN();
    metrics.observeWatermark(Date.now() - 65_000);
    const first = (await sample(metrics, 'derstream_watermark_lag_seconds'))[0]!.value;
    expect(first).toBeGreaterThanOrEqual(65);
    expect(first).toBeLessThan(70);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await sample(metrics, 'derstream_watermark_lag_seconds'))[0]!.value).toBeGreaterThan(first);
  });

  it('starts counters that exist before their first increase at zero', async () => {
    const metrics = new PipelineMetrics();
    expect(await sample(metrics, 'derstream_readings_total')).toEqual([
      { value: 0, labels: { result: 'valid' } },
      { value: 0, labels: { result: 'late' } },
    ]);
    expect((await sample(metrics, 'derstream_statuses_emitted_total')).map((v) => v.labels.verb)).toEqual([
      'created',
      'changed',
    ]);
  });

  it('keeps each instance to its own registry', async () => {
    const one = new PipelineMetrics();
    const two = new PipelineMetrics();
    one.groupsTracked.set(5);
    expect((await sample(two, 'derstream_groups_tracked'))[0]!.value).toBe(0);
  });
});
