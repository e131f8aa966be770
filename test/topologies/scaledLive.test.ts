import { ClickhouseQueryError } from '../../pipelines/errors';
import { ClickhouseExecutor, openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { LiveOptions } from '../../topologies/live';
import { runScaledLive } from '../../topologies/scaledLive';
import { FaultyClickhouse } from '../support/faultyClickhouse';
import { LiveFixture, upTo, waitFor } from '../support/liveFixture';

/**
 * A scaled-out instance (`DERSTREAM_SCALE_OUT=partials`, alone in its groups here, so it
 * holds every telemetry and partials partition) handles ClickHouse faults as the single
 * instance does: retriable ones waited out with consuming paused, ending with the
 * statuses of a clean run; a refused statement stops it with that error.
 */
describe('derstream run scaled out, with ClickHouse faults', () => {
  const fixtures: LiveFixture[] = [];
  afterAll(() => Promise.all(fixtures.map((fixture) => fixture.tearDown())));

  const scaledFixture = () => {
    const fixture = new LiveFixture({
      devices: 300,
      groups: 6,
      minutes: 12,
      seed: 41,
      env: { DERSTREAM_SCALE_OUT: 'partials', DERSTREAM_KAFKA_FETCH_BYTES: '32768' },
    });
    fixtures.push(fixture);
    return fixture;
  };
  const optionsOf = (
    fixture: LiveFixture,
    log: string[],
    signal: AbortSignal,
    clickhouse: (opened: ClickhouseExecutor) => ClickhouseExecutor,
  ): LiveOptions => ({
    semantics: fixture.config.semantics,
    consumerGroup: fixture.config.consumerGroup,
    maxMessageBytes: fixture.config.maxMessageBytes,
    log: (line) => log.push(line),
    signal,
    clickhouse,
  });

  it('waits out failing and stalling writes, consuming paused, and loses nothing', async () => {
    const fixture = scaledFixture();
    const { lastWindow, expected, reader } = await fixture.readyToRun();

    let faulty: FaultyClickhouse | undefined;
    let url = '';
    const log: string[] = [];
    const controller = new AbortController();
    const running = runScaledLive(fixture.config, {
      ...optionsOf(
        fixture,
        log,
        controller.signal,
        (opened) =>
          (faulty = new FaultyClickhouse(opened, {
            failBefore: 0.15,
            failAfter: 0.1,
            stall: 0.1,
            stallMs: 1500,
            seed: 7,
            tables: ['telemetry', 'group_statuses'],
          })),
      ),
      onHttpListening: (listening) => (url = listening),
    });
    const caughtUp = waitFor(
      'every window before the last on the status topic',
      () => upTo(reader.latest, lastWindow).size >= expected.size,
      240_000,
      200,
    );
    let metrics = '';
    try {
      // Whichever comes first: the statuses, or the run ending on its own (a failure).
      await Promise.race([caughtUp, running.then(() => Promise.reject(new Error('the run stopped')))]);
      metrics = await (await fetch(`${url}/metrics`)).text();
      // Raw telemetry goes in behind the statuses, its inserts failing and stalling too:
      // it may not be in yet when the statuses are.
      const telemetryInserted = /^derstream_clickhouse_inserted_rows_total\{table="telemetry"\} [1-9]\d*$/m;
      await waitFor(
        'raw telemetry in ClickHouse',
        async () => telemetryInserted.test(await (await fetch(`${url}/metrics`)).text()),
        60_000,
        250,
      );
      // What a scaled instance does not do, it says it does not do.
      const iec = await fetch(`${url}/iec`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<m:DERGroupQueriesRequestMessage/>',
      });
      const forecast = await fetch(`${url}/api/groups/group-00001/forecast`);
      for (const [response, what] of [
        [iec, 'IEC requests are answered by'],
        [forecast, 'forecasts are made by'],
      ] as const) {
        expect(response.status).toBe(404);
        expect(((await response.json()) as { message: string }).message).toBe(
          `${what} a single-instance run, not by an instance scaled out (DERSTREAM_SCALE_OUT=partials)`,
        );
      }
    } finally {
      controller.abort();
      await running;
      await caughtUp.catch(() => undefined);
      await reader.stop();
    }

    expect(faulty!.injected.failedBefore + faulty!.injected.failedAfter).toBeGreaterThan(0);
    const lines = (pattern: RegExp) => log.filter((line) => pattern.test(line)).length;
    expect(
      lines(/^writing (telemetry|statuses) to ClickHouse failed \(try \d+, SERVICE_UNAVAILABLE\)/),
    ).toBeGreaterThan(0);
    // Each pause ends: consuming is never left paused.
    expect(lines(/^run: consuming paused/)).toBeGreaterThan(0);
    expect(lines(/^run: consuming resumed$/)).toBe(lines(/^run: consuming paused/));
    expect(metrics).toMatch(/^derstream_consumer_paused 0$/m);

    expect(reader.differingRepeats).toEqual([]);
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
    expect(upTo(await fixture.stored(), lastWindow)).toEqual(expected);
  }, 300_000);

  it('commits no telemetry offset before its raw telemetry is in ClickHouse, and reads on meanwhile', async () => {
    const fixture = scaledFixture();
    const { lastWindow, expected, reader } = await fixture.readyToRun();
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let telemetryInserts = 0;
    const holdingTelemetry = (opened: ClickhouseExecutor): ClickhouseExecutor => ({
      description: opened.description,
      command: (sql, params) => opened.command(sql, params),
      query: (sql, params) => opened.query(sql, params),
      insert: (table, rows) => opened.insert(table, rows),
      insertRowBinary: async (table, rows) => {
        if (table === 'telemetry') {
          telemetryInserts++;
          await released;
        }
        return opened.insertRowBinary(table, rows);
      },
      close: () => opened.close(),
    });
    const log: string[] = [];
    const controller = new AbortController();
    let written = 0;
    const running = runScaledLive(fixture.config, {
      ...optionsOf(fixture, log, controller.signal, holdingTelemetry),
      onProgress: (counts) => (written = counts.valid + counts.invalid + counts.late),
    });
    const stopped = running.then(() => Promise.reject(new Error(`the run stopped: ${log.join('\n')}`)));
    try {
      // Every window's statuses, while the first telemetry insert is held: reading went on.
      await Promise.race([
        waitFor(
          'every window before the last on the status topic',
          () => upTo(reader.latest, lastWindow).size >= expected.size,
          240_000,
        ),
        stopped,
      ]);
      expect(telemetryInserts).toBe(1);
      expect(written).toBe(0);
      expect(await fixture.committed()).toEqual({ partitions: 0, sum: 0n });
      release();
      await Promise.race([
        waitFor('every reading written', () => written >= fixture.arrivals.length, 60_000),
        stopped,
      ]);
      await Promise.race([
        waitFor(
          'telemetry offsets committed',
          async () => (await fixture.committed()).partitions > 0,
          60_000,
        ),
        stopped,
      ]);
    } finally {
      release();
      controller.abort();
      await running.catch(() => undefined);
      await reader.stop();
    }
    // What was held went in together: a few inserts for the many 32 KB batches read.
    expect(telemetryInserts).toBeLessThanOrEqual(3);
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
    const clickhouse = await openClickhouse(fixture.config.clickhouse);
    try {
      const [telemetry] = await clickhouse.query<{ n: number }>('SELECT count() AS n FROM telemetry FINAL');
      expect(telemetry!.n).toBe(fixture.arrivals.length);
    } finally {
      await clickhouse.close();
    }
  }, 300_000);

  it('stops with the error when ClickHouse refuses a statement', async () => {
    const fixture = scaledFixture();
    await fixture.setUp();
    await fixture.produce();
    const log: string[] = [];
    const refusing = (opened: ClickhouseExecutor): ClickhouseExecutor => ({
      description: opened.description,
      command: (sql, params) => opened.command(sql, params),
      query: (sql, params) => opened.query(sql, params),
      insert: (table, rows) =>
        table === 'group_statuses'
          ? Promise.reject(new ClickhouseQueryError('no such column: injected'))
          : opened.insert(table, rows),
      insertRowBinary: (table, rows) => opened.insertRowBinary(table, rows),
      close: () => opened.close(),
    });
    const controller = new AbortController();
    try {
      await expect(
        runScaledLive(fixture.config, optionsOf(fixture, log, controller.signal, refusing)),
      ).rejects.toThrow('no such column: injected');
    } finally {
      controller.abort();
    }
    expect(log.some((line) => line.startsWith('writing statuses to ClickHouse failed'))).toBe(false);
  }, 300_000);
});
