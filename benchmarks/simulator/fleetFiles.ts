import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { Fleet } from './fleet';
import { writeFile } from 'node:fs/promises';

/**
 * Writes readings as NDJSON in arrival order, the input of `derstream replay`. With
 * `invalidShare`, that share of lines is replaced by one of the bad inputs SEMANTICS.md
 * §1 names, so the dead-letter path is exercised too.
 */
export async function writeReadingsFile(
  path: string,
  readings: Iterable<[number, TelemetryReading]>,
  options: { invalidShare?: number; random?: () => number } = {},
): Promise<number> {
  const out = createWriteStream(path);
  const random = options.random ?? Math.random;
  let lines = 0;
  for (const [, reading] of readings) {
    const line =
      options.invalidShare && random() < options.invalidShare
        ? invalidLine(reading, random())
        : JSON.stringify(reading);
    if (!out.write(line + '\n')) await once(out, 'drain');
    lines++;
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

/** One bad input per kind of §1, chosen by `pick` in [0, 1). */
function invalidLine(reading: TelemetryReading, pick: number): string {
  const kinds: (() => string)[] = [
    () => JSON.stringify(reading).slice(0, 25),
    () => JSON.stringify({ ...reading, deviceId: undefined }),
    () => JSON.stringify({ ...reading, ts: reading.ts + 0.5 }),
    () => JSON.stringify({ ...reading, activePower: 'lots' }),
    () => JSON.stringify(reading).replace(/"activePower":[^,]+/, '"activePower":1e999'),
    () => JSON.stringify({ ...reading, stateOfCharge: 140 }),
    () => JSON.stringify({ ...reading, minActivePower: 5000, maxActivePower: 1000 }),
  ];
  return kinds[Math.floor(pick * kinds.length)]!();
}

export async function writeGroupsFile(path: string, fleet: Fleet): Promise<void> {
  await writeFile(path, JSON.stringify({ groups: fleet.groups }) + '\n');
}
