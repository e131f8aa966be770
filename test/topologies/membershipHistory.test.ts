import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClickhouseConfig } from '../../pipelines/io/clickhouse/clickhouseConfig';
import { ClickhouseExecutor, openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink, PositionedGroupVersion } from '../../pipelines/io/clickhouse/clickhouseSink';
import { migrate } from '../../pipelines/io/clickhouse/migrations';
import { MembershipHistory } from '../../topologies/membershipHistory';
import { FaultyClickhouse } from '../support/faultyClickhouse';

const T = Date.UTC(2026, 11, 7);
const at = (groupId: string, offset: bigint, partition = 0): PositionedGroupVersion => ({
  version: { groupId, effectiveFrom: T, deleted: false, members: [{ deviceId: `${groupId}-inv` }] },
  partition,
  offset,
});

describe('MembershipHistory, into chDB', () => {
  let clickhouse: ClickhouseExecutor;

  beforeEach(async () => {
    clickhouse = await openClickhouse(
      parseClickhouseConfig({ DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-history-')) }),
    );
    await migrate(clickhouse);
  });
  afterEach(() => clickhouse.close());

  /** chDB refusing this share of the history's inserts, as an overloaded ClickHouse would. */
  const refusing = (share: number) =>
    new FaultyClickhouse(clickhouse, {
      failBefore: share,
      failAfter: 0,
      stall: 0,
      stallMs: 0,
      seed: 3,
      tables: ['group_membership_history'],
    });

  const written = async () =>
    (
      await clickhouse.query<{ group: string }>(
        'SELECT group_id AS group FROM group_membership_history FINAL ORDER BY group',
      )
    ).map((row) => row.group);

  it('writes the versions from the last record the table holds on, each partition on its own', async () => {
    const lines: string[] = [];
    const history = new MembershipHistory(new ClickhouseSink(clickhouse), new Map([[0, 5n]]), (line) =>
      lines.push(line),
    );
    for (const versioned of [at('a', 3n), at('b', 5n), at('c', 6n), at('d', 0n, 1)]) history.add(versioned);
    await history.drain();
    // b's record may have been cut short between two inserts: it is written again.
    expect(await written()).toEqual(['b', 'c', 'd']);
    expect(await new ClickhouseSink(clickhouse).membershipHistoryThrough()).toEqual(
      new Map([
        [0, 6n],
        [1, 0n],
      ]),
    );
    expect(lines).toEqual([]);
  });

  it('retries a write ClickHouse refuses for a while', async () => {
    const faulty = refusing(0.5);
    const lines: string[] = [];
    const history = new MembershipHistory(new ClickhouseSink(faulty), new Map(), (line) => lines.push(line));
    for (const group of ['a', 'b', 'c', 'd']) {
      history.add(at(group, BigInt(group.charCodeAt(0))));
      await history.drain();
    }
    expect(await written()).toEqual(['a', 'b', 'c', 'd']);
    expect(faulty.injected.failedBefore).toBeGreaterThan(0);
    expect(lines.some((line) => line.startsWith('writing the membership history to ClickHouse failed'))).toBe(
      true,
    );
  });

  it('says once that it stopped writing when the run stops while ClickHouse refuses', async () => {
    const faulty = refusing(1);
    const stop = new AbortController();
    const lines: string[] = [];
    const history = new MembershipHistory(
      new ClickhouseSink(faulty),
      new Map(),
      (line) => lines.push(line),
      stop.signal,
    );
    history.add(at('a', 1n));
    history.add(at('b', 2n));
    stop.abort();
    await history.drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await written()).toEqual([]);
    expect(
      lines.filter((line) => line.startsWith('groups: the membership history is not written')),
    ).toHaveLength(1);
  });
});
