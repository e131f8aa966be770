import { Observable, OperatorFunction } from 'rxjs';
import { StatusEngine, StatusOutput } from './statusEngine';
import { TelemetryReading } from './telemetryReading';

/** What drives the status engine: readings from a partition, processing-time ticks, the end of a finite input. */
export type StatusInput =
  | { kind: 'reading'; partition: number; reading: TelemetryReading; now: number }
  | { kind: 'tick'; now: number };

/**
 * The group-status operator: valid readings (and ticks) in, status versions and late
 * readings out, in the deterministic order of {@link StatusEngine}. When the source
 * completes, the engine flushes (SEMANTICS.md §3, end of a finite input) before the
 * output completes.
 *
 * ```
 * input:  --r(p0, 00:10)--r(p0, 01:10)------|
 * output: ----------------s(g1, 00:00–01:00)-(s(g1, 01:00–02:00)|)
 * ```
 */
export function groupStatuses(engine: StatusEngine): OperatorFunction<StatusInput, StatusOutput> {
  return (source) =>
    new Observable<StatusOutput>((subscriber) =>
      source.subscribe({
        next(input) {
          const outputs =
            input.kind === 'reading'
              ? engine.reading(input.partition, input.reading, input.now)
              : engine.tick(input.now);
          for (const output of outputs) subscriber.next(output);
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          for (const output of engine.flush()) subscriber.next(output);
          subscriber.complete();
        },
      }),
    );
}
