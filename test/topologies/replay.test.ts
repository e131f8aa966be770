import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derstream } from '../support/cli';
import { XSD } from '../support/iecRequests';
import { xmllint } from '../support/xmllint';

const tmp = () => mkdtempSync(join(tmpdir(), 'derstream-replay-'));
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('derstream replay', () => {
  it('is deterministic: a generated fleet with disorder, duplicates, invalid and late lines gives byte-identical statuses twice', () => {
    const dir = tmp();
    const telemetry = join(dir, 'telemetry.ndjson');
    const groups = join(dir, 'groups.json');
    const simulated = derstream([
      'simulate',
      '--devices',
      '600',
      '--groups',
      '12',
      '--duration',
      '40m',
      '--out',
      telemetry,
      '--groups-out',
      groups,
      '--invalid',
      '0.01',
      '--late',
      '0.005',
      '--duplicates',
      '0.01',
    ]);
    expect(simulated.status).toBe(0);
    const total = readFileSync(telemetry, 'utf8').trimEnd().split('\n').length;
    expect(total).toBeGreaterThanOrEqual(50_000);

    const outputs = [join(dir, 'a'), join(dir, 'b')];
    for (const out of outputs) {
      const result = derstream(['replay', '--telemetry', telemetry, '--groups', groups, '--out', out]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^replay: \d+ lines/);
    }
    const [a, b] = outputs.map((out) => readFileSync(join(out, 'statuses.ndjson')));
    expect(a!.length).toBeGreaterThan(0);
    expect(a!.equals(b!)).toBe(true);

    const deadLetters = lines(join(outputs[0]!, 'dead-letter.ndjson'));
    const late = lines(join(outputs[0]!, 'late.ndjson'));
    expect(deadLetters.length).toBeGreaterThan(100);
    expect(late.length).toBeGreaterThan(10);
    const statuses = lines(join(outputs[0]!, 'statuses.ndjson'));
    // 12 groups, 40 one-minute windows each, version 1 (no lateness allowed), no gaps.
    expect(statuses).toHaveLength(12 * 40);
    expect(new Set(statuses.map((s) => s.version))).toEqual(new Set([1]));
    expect(Object.keys(statuses[0])).toEqual([
      'groupId',
      'windowStart',
      'windowEnd',
      'version',
      'members',
      'reporting',
      'fresh',
      'stale',
      'silent',
      'connected',
      'activePower',
      'reactivePower',
      'maxActivePower',
      'minActivePower',
      'headroomUp',
      'headroomDown',
      'stateOfCharge',
      'storedEnergy',
      'voltageMin',
      'voltageMax',
    ]);
  });

  it('with --xml writes every message it would publish, statuses and forecasts, each valid against the IEC schemas', () => {
    const dir = tmp();
    const telemetry = join(dir, 't.ndjson');
    const groups = join(dir, 'g.json');
    const common = ['--devices', '120', '--groups', '4', '--duration', '2h', '--invalid', '0.01'];
    expect(derstream(['simulate', ...common, '--out', telemetry, '--groups-out', groups]).status).toBe(0);
    const out = join(dir, 'out');
    expect(
      derstream(['replay', '--telemetry', telemetry, '--groups', groups, '--out', out, '--xml']).status,
    ).toBe(0);
    const statuses = lines(join(out, 'statuses.ndjson'));
    const forecasts = lines(join(out, 'forecasts.ndjson'));
    const files = readdirSync(join(out, 'messages')).sort();
    const texts = files.map((file) => readFileSync(join(out, 'messages', file), 'utf8'));
    const statusFiles = files.filter((_, i) => texts[i]!.includes('ChangedDERGroupStatuses'));
    const forecastFiles = files.filter((_, i) => texts[i]!.includes('CreatedDERGroupForecasts'));
    expect(statusFiles).toHaveLength(statuses.length);
    expect(statusFiles.length + forecastFiles.length).toBe(files.length);
    expect(files[0]).toBe('000001.xml');
    expect(texts[0]).toContain(`<mRID>${statuses[0].groupId}</mRID>`);

    // A forecast per group and parameter at every 15-minute boundary the statuses passed,
    // 96 intervals each from the issue time; one message per group and issue time, without
    // state of charge (the draft has no kind for it).
    const issueTimes = [...new Set(forecasts.map((f) => f.issuedAt))];
    expect(issueTimes.length).toBeGreaterThanOrEqual(6);
    expect(issueTimes.every((t) => t % 900_000 === 0)).toBe(true);
    expect(forecasts).toHaveLength(issueTimes.length * 4 * 4);
    for (const f of forecasts) {
      expect(Object.keys(f)).toEqual(['groupId', 'parameter', 'method', 'issuedAt', 'intervalMs', 'points']);
      expect(f.points).toHaveLength(96);
      expect(f.points[0]).toMatchObject({ intervalNumber: 1, start: f.issuedAt });
      for (const p of f.points) expect(p.p10 <= p.p50 && p.p50 <= p.p90).toBe(true);
    }
    expect(forecastFiles).toHaveLength(issueTimes.length * 4);
    const accuracy = JSON.parse(readFileSync(join(out, 'forecast-accuracy.json'), 'utf8'));
    expect(accuracy.overall.length).toBeGreaterThan(0);
    expect(accuracy.overall[0]).toEqual(
      expect.objectContaining({
        n: expect.any(Number),
        mae: expect.any(Number),
        coverage: expect.any(Number),
      }),
    );

    const statusResult = xmllint(statusFiles.map((file) => join(out, 'messages', file)));
    expect(statusResult.output).not.toMatch(/fails to validate|error/);
    expect(statusResult.code).toBe(0);
    const forecastResult = xmllint(
      forecastFiles.map((file) => join(out, 'messages', file)),
      XSD.forecastsEvent,
    );
    expect(forecastResult.output).not.toMatch(/fails to validate|error/);
    expect(forecastResult.code).toBe(0);

    // Driven by event time only: a second replay gives the same forecasts and accuracy, byte for byte.
    const again = join(dir, 'again');
    expect(derstream(['replay', '--telemetry', telemetry, '--groups', groups, '--out', again]).status).toBe(
      0,
    );
    for (const file of ['forecasts.ndjson', 'forecast-accuracy.json']) {
      expect(readFileSync(join(again, file))).toEqual(readFileSync(join(out, file)));
    }

    // Replayed again into the same folder, from a shorter input: none of the first run's messages stay.
    const shorter = join(dir, 'short.ndjson');
    writeFileSync(shorter, readFileSync(telemetry, 'utf8').split('\n').slice(0, 2000).join('\n'));
    expect(
      derstream(['replay', '--telemetry', shorter, '--groups', groups, '--out', out, '--xml']).status,
    ).toBe(0);
    const statusesNow = lines(join(out, 'statuses.ndjson'));
    const filesNow = readdirSync(join(out, 'messages'));
    expect(filesNow.length).toBeLessThan(files.length);
    expect(filesNow.length).toBe(statusesNow.length + lines(join(out, 'forecasts.ndjson')).length / 4);
  });

  it('dead-letters every kind of bad line with its reason, line number and raw text, and keeps going', () => {
    const dir = tmp();
    const good = (ts: number) => JSON.stringify({ deviceId: 'd1', ts, activePower: 1, connected: true });
    const bad: [string, string][] = [
      ['{"deviceId":"d1","ts":', 'UNDECODABLE'],
      ['{"ts":1000,"activePower":1,"connected":true}', 'MISSING_FIELD'],
      ['{"deviceId":"d1","ts":1000.5,"activePower":1,"connected":true}', 'WRONG_TYPE'],
      ['{"deviceId":"d1","ts":1000,"activePower":1e999,"connected":true}', 'NOT_FINITE'],
      [
        '{"deviceId":"d1","ts":1000,"activePower":1,"stateOfCharge":101,"connected":true}',
        'STATE_OF_CHARGE_OUT_OF_RANGE',
      ],
      [
        '{"deviceId":"d1","ts":1000,"activePower":1,"minActivePower":2,"maxActivePower":1,"connected":true}',
        'MIN_ABOVE_MAX',
      ],
    ];
    const telemetry = join(dir, 't.ndjson');
    writeFileSync(
      telemetry,
      [good(1000), ...bad.map(([line]) => line), good(61_000), good(125_000)].join('\n') + '\n',
    );
    const groups = join(dir, 'g.json');
    writeFileSync(groups, JSON.stringify({ groups: [{ mRID: 'g1', members: [{ deviceId: 'd1' }] }] }));
    const result = derstream([
      'replay',
      '--telemetry',
      telemetry,
      '--groups',
      groups,
      '--out',
      join(dir, 'out'),
    ]);
    expect(result.status).toBe(0);
    expect(lines(join(dir, 'out', 'dead-letter.ndjson'))).toEqual(
      bad.map(([raw, reason], i) => ({ reason, detail: expect.any(String), line: i + 2, raw })),
    );
    expect(lines(join(dir, 'out', 'statuses.ndjson')).map((s) => [s.windowEnd, s.fresh])).toEqual([
      [60_000, 1],
      [120_000, 1],
      [180_000, 1],
    ]);
  });

  it('honours --window, --out-of-orderness, --lateness and --staleness', () => {
    const dir = tmp();
    const telemetry = join(dir, 't.ndjson');
    const r = (ts: number, p: number) =>
      JSON.stringify({ deviceId: 'd1', ts, activePower: p, connected: true });
    writeFileSync(telemetry, [r(1000, 1), r(12_000, 2), r(9000, 3), r(40_000, 4)].join('\n') + '\n');
    const groups = join(dir, 'g.json');
    writeFileSync(groups, JSON.stringify({ groups: [{ mRID: 'g1', members: [{ deviceId: 'd1' }] }] }));
    const out = join(dir, 'out');
    const args = ['--window', '10s', '--out-of-orderness', '500ms', '--lateness', '5s', '--staleness', '15s'];
    expect(
      derstream(['replay', '--telemetry', telemetry, '--groups', groups, '--out', out, ...args]).status,
    ).toBe(0);
    expect(
      lines(join(out, 'statuses.ndjson')).map((s) => [
        s.windowEnd,
        s.version,
        s.activePower,
        s.fresh,
        s.stale,
      ]),
    ).toEqual([
      [10_000, 1, 1, 1, 0],
      // 9 s arrives at watermark 11.5 s < 10 s + 5 s: window [0, 10 s) changes.
      [10_000, 2, 3, 1, 0],
      [20_000, 1, 2, 1, 0],
      // 30 s - 12 s > 15 s: stale.
      [30_000, 1, 0, 0, 1],
      [40_000, 1, 0, 0, 1],
      [50_000, 1, 4, 1, 0],
    ]);
  });

  it('stops with one clear line when a file is missing or the groups file is malformed', () => {
    const dir = tmp();
    const telemetry = join(dir, 't.ndjson');
    writeFileSync(telemetry, '');
    const groups = join(dir, 'g.json');
    writeFileSync(groups, JSON.stringify({ groups: [{ mRID: 'g1', members: [] }] }));
    const malformed = join(dir, 'bad.json');
    writeFileSync(malformed, '{"groups": [');
    const latin1 = join(dir, 'latin1.json');
    writeFileSync(
      latin1,
      Buffer.from(JSON.stringify({ groups: [{ mRID: 'g1', name: 'Rivière', members: [] }] }), 'latin1'),
    );
    const replay = (t: string, g: string) =>
      derstream(['replay', '--telemetry', t, '--groups', g, '--out', join(dir, 'out')]);

    for (const [result, pattern] of [
      [replay(join(dir, 'none.ndjson'), groups), /^derstream: --telemetry: cannot read .*none\.ndjson/],
      [replay(telemetry, join(dir, 'none.json')), /^derstream: --groups: cannot read .*none\.json/],
      [replay(telemetry, malformed), /^derstream: .*bad\.json.*JSON|^derstream: .*JSON.*bad\.json/],
      [
        replay(telemetry, latin1),
        /^derstream: --groups: .*latin1\.json: message is not UTF-8 \(byte 36 is 0xe8\)/,
      ],
    ] as const) {
      expect(result.status).toBe(1);
      expect(result.stderr.split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(pattern);
    }
    const badFlag = derstream([
      'replay',
      '--telemetry',
      telemetry,
      '--groups',
      groups,
      '--out',
      dir,
      '--window',
      '5x',
    ]);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toMatch(/^derstream: --window: "5x" is not a duration/);
    expect(replay(telemetry, groups).status).toBe(0);

    // A 61968-100 CreateDERGroups message as the groups file: accepted when schema-valid.
    const xml = readFileSync(
      join(__dirname, '../pipelines/membership/fixtures/create-der-groups.xml'),
      'utf8',
    );
    const xmlGroups = join(dir, 'groups.xml');
    writeFileSync(xmlGroups, xml);
    expect(replay(telemetry, xmlGroups).status).toBe(0);
    writeFileSync(xmlGroups, xml.replace(/<([\w:]*)DERFunction>[\s\S]*?<\/\1DERFunction>/g, ''));
    const invalid = replay(telemetry, xmlGroups);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(
      /^derstream: --groups: .*groups\.xml: not valid against the create DERGroups schema: line \d+/,
    );
  });
});
