/**
 * What one insert into chDB carries at most: far below V8's longest string (2^29
 * characters), which one forecast issue for 10,000 groups (millions of rows) exceeds.
 */
export const MAX_INSERT_CHARS = 64 * 1024 * 1024;

/**
 * Rows as ClickHouse's JSONEachRow format (one JSON object per line), in texts of at most `maxChars` each (a row longer than that alone),
 * in order. Each text is one insert: a repeat after a failure collapses into the same
 * rows, as every table is keyed for.
 */
export function* jsonEachRowChunks(rows: readonly object[], maxChars = MAX_INSERT_CHARS): Generator<string> {
  let lines: string[] = [];
  let chars = 0;
  for (const row of rows) {
    const line = JSON.stringify(row) + '\n';
    if (chars > 0 && chars + line.length > maxChars) {
      yield lines.join('');
      lines = [];
      chars = 0;
    }
    lines.push(line);
    chars += line.length;
  }
  if (chars > 0) yield lines.join('');
}

export function parseJsonEachRow<Row>(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') rows.push(JSON.parse(line) as Row);
  return rows;
}
