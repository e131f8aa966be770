/**
 * What one insert into chDB carries at most: far below V8's longest string (2^29
 * characters), which one forecast issue for 10,000 groups (millions of rows) exceeds.
 */
export const MAX_INSERT_CHARS = 64 * 1024 * 1024;

/**
 * One insert's text, in JSONEachRow or, with the columns it fills in order, in
 * JSONCompactEachRow.
 */
export type InsertText =
  { format: 'JSONCompactEachRow'; columns: string[]; text: string } | { format: 'JSONEachRow'; text: string };

/**
 * Rows as texts of at most `maxChars` each (a row longer than that alone), in order,
 * each text one insert: a repeat after a failure collapses into the same rows, as
 * every table is keyed for. When every row has the same keys in the same order (as the
 * sink's rows do), JSONCompactEachRow, one JSON array of values a line with the keys
 * as the insert's columns: a third of JSONEachRow's bytes and two thirds of its time
 * to make. Otherwise JSONEachRow, one object a line.
 */
export function* insertTexts(rows: readonly object[], maxChars = MAX_INSERT_CHARS): Generator<InsertText> {
  const columns = sharedKeys(rows);
  if (columns) {
    for (const text of chunks(rows, (row) => JSON.stringify(Object.values(row)), maxChars))
      yield { format: 'JSONCompactEachRow', columns, text };
    return;
  }
  for (const text of chunks(rows, (row) => JSON.stringify(row), maxChars))
    yield { format: 'JSONEachRow', text };
}

/** The first row's keys when every row has them in that order, and only them. */
export function sharedKeys(rows: readonly object[]): string[] | undefined {
  if (rows.length === 0) return undefined;
  const names = Object.keys(rows[0]!);
  for (const row of rows) {
    let i = 0;
    for (const key in row) if (key !== names[i++]) return undefined;
    if (i !== names.length) return undefined;
  }
  return names;
}

function* chunks(
  rows: readonly object[],
  line: (row: object) => string,
  maxChars: number,
): Generator<string> {
  let lines: string[] = [];
  let chars = 0;
  for (const row of rows) {
    const text = line(row) + '\n';
    if (chars > 0 && chars + text.length > maxChars) {
      yield lines.join('');
      lines = [];
      chars = 0;
    }
    lines.push(text);
    chars += text.length;
  }
  if (chars > 0) yield lines.join('');
}

export function parseJsonEachRow<Row>(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') rows.push(JSON.parse(line) as Row);
  return rows;
}
