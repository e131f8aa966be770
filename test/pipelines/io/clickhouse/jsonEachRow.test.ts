import { InsertText, insertTexts, parseJsonEachRow } from '../../../../pipelines/io/clickhouse/jsonEachRow';

/** The rows an insert text stands for, read as ClickHouse reads its format. */
function rowsOf(insert: InsertText): object[] {
  if (insert.format === 'JSONEachRow') return parseJsonEachRow(insert.text);
  const { columns, text } = insert;
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const values = JSON.parse(line) as unknown[];
      expect(values).toHaveLength(columns.length);
      return Object.fromEntries(columns.map((column, i) => [column, values[i]]));
    });
}

describe('insertTexts', () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ group_id: `g${i}`, value: i * 1.5, note: null }));

  it('gives rows of one shape as one compact text, their keys the columns, a row a line', () => {
    const texts = [...insertTexts(rows)];
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ format: 'JSONCompactEachRow', columns: ['group_id', 'value', 'note'] });
    expect(texts[0]!.text.split('\n')[0]).toBe('["g0",0,null]');
    expect(texts[0]!.text.length).toBeLessThan(rows.map((row) => JSON.stringify(row) + '\n').join('').length);
    expect(rowsOf(texts[0]!)).toEqual(rows);
  });

  it('splits at the limit, keeping the order, a row never cut', () => {
    const [whole] = [...insertTexts(rows)];
    const limit = (whole!.text.split('\n')[0]!.length + 1) * 3;
    const texts = [...insertTexts(rows, limit)];
    expect(texts.length).toBeGreaterThanOrEqual(4);
    for (const text of texts) expect(text.text.length).toBeLessThanOrEqual(limit + 1);
    expect(texts.flatMap(rowsOf)).toEqual(rows);
  });

  it('sends a row longer than the limit alone, and nothing for no rows', () => {
    const texts = [...insertTexts([{ a: 'x'.repeat(100) }, { a: 'y' }], 50)];
    expect(texts.map(rowsOf)).toEqual([[{ a: 'x'.repeat(100) }], [{ a: 'y' }]]);
    expect([...insertTexts([])]).toEqual([]);
  });

  it.each([
    [
      'a key in another order',
      [
        { a: 1, b: 2 },
        { b: 3, a: 4 },
      ],
    ],
    ['a key missing', [{ a: 1, b: 2 }, { a: 3 }]],
    ['a key more', [{ a: 1 }, { a: 2, b: 3 }]],
  ])('writes rows of more than one shape (%s) as JSONEachRow, each row whole', (_, mixed) => {
    const texts = [...insertTexts(mixed)];
    expect(texts.map((text) => text.format)).toEqual(['JSONEachRow']);
    expect(texts.flatMap(rowsOf)).toEqual(mixed);
  });
});
