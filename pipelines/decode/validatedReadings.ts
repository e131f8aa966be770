import { defer, filter, map, OperatorFunction } from 'rxjs';
import { validateReadingLine, Validation, ValidationOptions } from './validateReading';

/** One input line and what validation made of it, numbered from 1 in input order. */
export type NumberedValidation = Validation & { line: number; raw: string };

/**
 * Validates NDJSON lines as readings (SEMANTICS.md §1), numbering them so a dead-letter
 * record can say where its line was. Blank lines count for numbering and are dropped.
 * Each subscription numbers from 1.
 *
 * ```
 * input:  -a-b-c-|     a = a valid reading, b = "", c = "{"
 * output: -x-----y-|   x = {valid, line 1}, y = {UNDECODABLE, line 3}
 * ```
 */
export function validatedReadings(
  options: ValidationOptions = {},
): OperatorFunction<string, NumberedValidation> {
  return (source) =>
    defer(() => {
      let line = 0;
      return source.pipe(
        map((raw) => ({ raw, line: ++line })),
        filter(({ raw }) => raw.trim() !== ''),
        map(({ raw, line: n }) => ({ ...validateReadingLine(raw, options), line: n, raw })),
      );
    });
}
