/** Rows as ClickHouse's JSONEachRow format: one JSON object per line. */
export function toJsonEachRow(rows: readonly object[]): string {
  let text = '';
  for (const row of rows) text += JSON.stringify(row) + '\n';
  return text;
}

export function parseJsonEachRow<Row>(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') rows.push(JSON.parse(line) as Row);
  return rows;
}
