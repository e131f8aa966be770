import { jsonEachRowChunks, parseJsonEachRow } from '../../../../pipelines/io/clickhouse/jsonEachRow';

describe('jsonEachRowChunks', () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ group_id: `g${i}`, value: i * 1.5 }));

  it('gives one text when the rows fit, each row on its own line', () => {
    const texts = [...jsonEachRowChunks(rows)];
    expect(texts).toHaveLength(1);
    expect(parseJsonEachRow(texts[0]!)).toEqual(rows);
  });

  it('splits at the limit, keeping the order, a row never cut', () => {
    const line = JSON.stringify(rows[0]) + '\n';
    const texts = [...jsonEachRowChunks(rows, line.length * 3)];
    expect(texts.length).toBeGreaterThanOrEqual(4);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(line.length * 3 + 1);
    expect(texts.flatMap((text) => parseJsonEachRow(text))).toEqual(rows);
  });

  it('sends a row longer than the limit alone, and nothing for no rows', () => {
    const texts = [...jsonEachRowChunks([{ a: 'x'.repeat(100) }, { a: 'y' }], 50)];
    expect(texts.map((text) => parseJsonEachRow(text))).toEqual([[{ a: 'x'.repeat(100) }], [{ a: 'y' }]]);
    expect([...jsonEachRowChunks([])]).toEqual([]);
  });
});
