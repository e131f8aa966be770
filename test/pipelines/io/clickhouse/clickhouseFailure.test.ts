import { ClickhouseQueryError } from '../../../../pipelines/errors';
import { ClickhouseExecutor, openClickhouse } from '../../../../pipelines/io/clickhouse/clickhouseExecutor';
import { clickhouseFailure } from '../../../../pipelines/io/clickhouse/clickhouseFailure';
import { testConfig } from '../../../support/services';

/** What chDB itself answers, classified: the statement's fault or the moment's. */
describe('clickhouseFailure on chDB', () => {
  let clickhouse: ClickhouseExecutor;
  beforeAll(async () => {
    clickhouse = await openClickhouse(testConfig().clickhouse);
  });
  afterAll(() => clickhouse.close());

  const refusal = async (sql: string) => {
    try {
      await clickhouse.query(sql);
    } catch (error) {
      return error as ClickhouseQueryError;
    }
    throw new Error(`${sql} succeeded`);
  };

  it('a statement that is wrong is not retriable', async () => {
    const error = await refusal('SELECT * FROM no_such_table');
    expect(error).toBeInstanceOf(ClickhouseQueryError);
    expect(error.code).toBe('CLICKHOUSE_QUERY_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/^chDB refused "SELECT \* FROM no_such_table": .*UNKNOWN_TABLE/s);
  });

  it('a memory limit hit is retriable', async () => {
    const error = await refusal(
      'SELECT groupArray(number) FROM numbers(10000000) SETTINGS max_memory_usage = 1000000',
    );
    expect(error.message).toContain('MEMORY_LIMIT_EXCEEDED');
    expect(error.retriable).toBe(true);
  });

  it('a lost connection to a server is retriable', () => {
    const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    expect(clickhouseFailure('ClickHouse', 'SELECT 1', lost).retriable).toBe(true);
    const refused = Object.assign(new Error('Syntax error'), { code: '62' });
    expect(clickhouseFailure('ClickHouse', 'SELEC 1', refused).retriable).toBe(false);
  });
});
