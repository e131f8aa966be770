import { createReadStream, createWriteStream, writeFileSync, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { from, lastValueFrom, mergeMap, EMPTY, of, tap } from 'rxjs';
import { toCanonicalJson } from '../pipelines/aggregate/groupStatus';
import { validatedReadings } from '../pipelines/decode/validatedReadings';
import { ConfigError, DerstreamError, messageOf } from '../pipelines/errors';
import { groupStatuses, StatusInput } from '../pipelines/groupStatuses';
import { MembershipState } from '../pipelines/membership/membershipState';
import { readGroupsMessage } from '../pipelines/membership/parseGroupsMessage';
import { StatusEngine, StatusSemantics } from '../pipelines/statusEngine';
import { statusEvents } from '../pipelines/translate/statusEvents';
import { forecastEvents } from '../pipelines/translate/forecastEvents';
import { GroupStatus } from '../pipelines/aggregate/groupStatus';
import { AccuracyAccumulator } from '../pipelines/forecast/forecastAccuracy';
import { ForecastSettings } from '../pipelines/forecast/forecastConfig';
import { ForecastEngine } from '../pipelines/forecast/forecastEngine';
import { PublishedAccuracyAccumulator } from '../pipelines/forecast/publishedAccuracy';

export interface ReplayOptions {
  telemetry: string;
  groups: string;
  out: string;
  semantics: StatusSemantics;
  /** Forecast schedule, horizon and parameters (SEMANTICS.md §5). */
  forecasts: ForecastSettings;
  /**
   * Also write each message live mode would publish (`ChangedDERGroupStatuses`,
   * `CreatedDERGroupForecasts`) to `DIR/messages/NNNNNN.xml`, in order.
   */
  xml?: boolean;
}

export interface ReplaySummary {
  lines: number;
  valid: number;
  invalid: number;
  late: number;
  statuses: number;
  forecasts: number;
}

/**
 * The status topology on files, deterministic (`derstream replay`): the telemetry file
 * is read in file order as one partition, and the outputs are written in emission
 * order. Bad lines are dead-lettered and the replay goes on; only a missing file or a
 * malformed groups file stops it.
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const membership = new MembershipState();
  // Bytes: the groups reader decodes them, refusing what is not UTF-8 rather than reading U+FFFD.
  let groupsBytes: Buffer;
  try {
    groupsBytes = await readFile(options.groups);
  } catch (error) {
    throw new ConfigError('--groups', `cannot read ${options.groups}: ${messageOf(error)}`);
  }
  let versions;
  try {
    versions = await readGroupsMessage(groupsBytes);
  } catch (error) {
    if (error instanceof DerstreamError)
      throw new ConfigError('--groups', `${options.groups}: ${error.message}`);
    throw error;
  }
  for (const version of versions) membership.apply(version);
  const input = createReadStream(options.telemetry);
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (error) =>
      reject(new ConfigError('--telemetry', `cannot read ${options.telemetry}: ${error.message}`)),
    );
  });

  await mkdir(options.out, { recursive: true });
  const messages = join(options.out, 'messages');
  // What an earlier replay into this folder left goes first: its message files past this
  // run's count, or its accuracy file after a replay stopped part-way, would read as this
  // run's outputs (the other files are rewritten whole).
  await rm(join(options.out, 'forecast-accuracy.json'), { force: true });
  for (const name of await readdir(messages).catch(() => [])) {
    if (/^\d{6}\.xml$/.test(name)) await rm(join(messages, name));
  }
  const statuses = createWriteStream(join(options.out, 'statuses.ndjson'));
  const deadLetter = createWriteStream(join(options.out, 'dead-letter.ndjson'));
  const late = createWriteStream(join(options.out, 'late.ndjson'));
  if (options.xml) await mkdir(messages, { recursive: true });
  const forecastsOut = createWriteStream(join(options.out, 'forecasts.ndjson'));
  const summary: ReplaySummary = { lines: 0, valid: 0, invalid: 0, late: 0, statuses: 0, forecasts: 0 };
  let messageCount = 0;
  let lastWindowEnd = -Infinity;
  const writeMessage = (xml: string) =>
    writeFileSync(join(messages, `${String(++messageCount).padStart(6, '0')}.xml`), xml);
  const forecaster = new ForecastEngine(options.forecasts, options.semantics, { allMethods: false });
  const accuracy = new AccuracyAccumulator();
  const published = new PublishedAccuracyAccumulator(options.forecasts.horizon);
  // The engine emits windows in order, all groups of one before the next: once a status
  // of a window starting at t is out, every window ending by t is complete, which is as
  // far as the forecaster may close intervals (a watermark that never runs ahead of it).
  const forecastUpTo = (watermark: number) => {
    for (const output of forecaster.advance(watermark)) {
      if (output.kind === 'errors') {
        accuracy.addBatch(output.batch);
        published.addErrors(output.batch);
        continue;
      }
      published.addForecasts(output.batch);
      const issued = Array.from({ length: output.batch.size }, (_, i) => output.batch.forecast(i));
      summary.forecasts += issued.length;
      for (const forecast of issued) write(forecastsOut, JSON.stringify(forecast));
      if (options.xml) {
        for (const event of forecastEvents(issued, { source: 'derstream', timestamp: (t) => t }))
          writeMessage(event.xml);
      }
    }
  };
  const forecastStatus = (status: GroupStatus) => {
    forecastUpTo(status.windowStart);
    forecaster.status(status);
  };
  // The engine answers a reading synchronously, so a late output belongs to the line being read.
  let currentLine = 0;
  const engine = new StatusEngine(options.semantics, membership);

  const lines = createInterface({ input, crlfDelay: Infinity });
  await lastValueFrom(
    from(lines).pipe(
      tap(() => summary.lines++),
      validatedReadings(),
      mergeMap((result) => {
        currentLine = result.line;
        if (!result.valid) {
          summary.invalid++;
          write(
            deadLetter,
            JSON.stringify({
              reason: result.reason,
              detail: result.detail,
              line: result.line,
              raw: result.raw,
            }),
          );
          return EMPTY;
        }
        summary.valid++;
        return of<StatusInput>({ kind: 'reading', partition: 0, reading: result.reading, now: 0 });
      }),
      groupStatuses(engine),
      tap((output) => {
        if (output.kind === 'status') {
          summary.statuses++;
          lastWindowEnd = Math.max(lastWindowEnd, output.status.windowEnd);
          write(statuses, toCanonicalJson(output.status));
          forecastStatus(output.status);
          if (options.xml) {
            // The window end as Header Timestamp keeps the files as deterministic as the statuses.
            const [event] = statusEvents([output.status], {
              source: 'derstream',
              timestamp: (s) => s.windowEnd,
            });
            writeMessage(event!.xml);
          }
        } else {
          summary.late++;
          write(
            late,
            JSON.stringify({
              reason: 'LATE',
              line: currentLine,
              watermark: output.watermark,
              reading: output.reading,
            }),
          );
        }
      }),
    ),
    { defaultValue: undefined },
  );
  // End of input: every emitted window is final, so every interval they cover can close.
  forecastUpTo(lastWindowEnd + options.semantics.latenessMs);
  await Promise.all([statuses, deadLetter, late, forecastsOut].map(close));
  const horizon = options.forecasts.horizon;
  const fourHours = Math.max(1, Math.ceil((4 * 3_600_000) / options.forecasts.intervalMs));
  writeFileSync(
    join(options.out, 'forecast-accuracy.json'),
    JSON.stringify(
      {
        ...accuracy.summary(),
        published: published.summary([
          [1, Math.min(horizon, fourHours - 1)],
          [fourHours, horizon],
          [1, horizon],
        ]),
      },
      null,
      2,
    ) + '\n',
  );
  return summary;
}

function write(stream: WriteStream, line: string): void {
  stream.write(line + '\n');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}
