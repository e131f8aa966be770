/**
 * The forecast evaluation of SEMANTICS.md §5 on a simulated fleet: 7 days of a PV and
 * battery fleet written as files, replayed with `derstream replay` (forecasts on the
 * watermark, every method scored), and the published forecasts' figures by lead printed
 * as a Markdown table. Run by hand:
 * `npx tsx benchmarks/forecast/sevenDayFleet.ts [--devices 100] [--groups 10] [--days 7] [--out DIR]`.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PublishedAccuracy } from '../../pipelines/forecast/publishedAccuracy';
import { defaultForecastSettings } from '../../pipelines/forecast/forecastConfig';
import { OverallAccuracy } from '../../pipelines/forecast/forecastAccuracy';
import { defaultSemantics } from '../../pipelines/statusEngine';
import { replay } from '../../topologies/replay';
import { createFleet, fleetReadings } from '../simulator/fleet';
import { writeGroupsFile, writeReadingsFile } from '../simulator/fleetFiles';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '100' },
      groups: { type: 'string', default: '10' },
      days: { type: 'string', default: '7' },
      out: { type: 'string' },
    },
  });
  const dir = values.out ?? mkdtempSync(join(tmpdir(), 'derstream-forecast-'));
  mkdirSync(dir, { recursive: true });
  const fleet = createFleet({
    devices: Number(values.devices),
    groups: Number(values.groups),
    seed: 7,
    intervalMs: 60_000,
    kinds: ['pv', 'battery'],
  });
  const start = Date.UTC(2026, 10, 1);
  const end = start + Number(values.days) * 86_400_000;
  await writeGroupsFile(join(dir, 'groups.json'), fleet);
  const lines = await writeReadingsFile(
    join(dir, 'telemetry.ndjson'),
    fleetReadings(fleet, { start, end, seed: 7, jitterMs: 2000 }),
  );
  const started = process.cpuUsage();
  const summary = await replay({
    telemetry: join(dir, 'telemetry.ndjson'),
    groups: join(dir, 'groups.json'),
    out: join(dir, 'out'),
    semantics: defaultSemantics(),
    forecasts: defaultForecastSettings(),
  });
  const cpu = process.cpuUsage(started);
  const accuracy = JSON.parse(readFileSync(join(dir, 'out', 'forecast-accuracy.json'), 'utf8')) as {
    overall: OverallAccuracy[];
    published: PublishedAccuracy[];
  };
  const f = (x: number | null, digits = 3) => (x === null ? 'n/a' : x.toFixed(digits));
  console.log(
    `${fleet.devices.length} devices (PV, battery) in ${fleet.groups.length} groups, ${values.days} days: ` +
      `${lines} readings, ${summary.statuses} statuses, ${summary.forecasts} published forecasts; ` +
      `replay ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU; files in ${dir}\n`,
  );
  console.log('| parameter | leads | n | MAE | skill vs persistence | P10–P90 coverage |');
  console.log('|---|---|---|---|---|---|');
  for (const p of accuracy.published) {
    const leads = `${p.fromLead}–${p.toLead} (${(p.fromLead - 1) / 4}–${p.toLead / 4} h)`;
    console.log(`| ${p.parameter} | ${leads} | ${p.n} | ${f(p.mae, 1)} | ${f(p.skill)} | ${f(p.coverage)} |`);
  }
  console.log('\n| parameter | method | n | MAE | rMAE | skill | coverage |');
  console.log('|---|---|---|---|---|---|---|');
  for (const o of accuracy.overall) {
    console.log(
      `| ${o.parameter} | ${o.method} | ${o.n} | ${f(o.mae, 1)} | ${f(o.rmae)} | ${f(o.skill)} | ${f(o.coverage)} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
