import { ClickhouseQueryError } from '../../../pipelines/errors';
import { retryUntilDone } from '../../../pipelines/io/retryUntilDone';

describe('retryUntilDone', () => {
  it('tries again with doubling pauses until the work succeeds, saying why each try failed', async () => {
    const pauses: number[] = [];
    const log: string[] = [];
    let tries = 0;
    const result = await retryUntilDone(
      'writing statuses',
      async () => {
        if (++tries < 5) throw new ClickhouseQueryError('table is read-only');
        return 'written';
      },
      {
        log: (line) => log.push(line),
        initialDelayMs: 100,
        maxDelayMs: 500,
        sleep: async (ms) => void pauses.push(ms),
      },
    );
    expect(result).toBe('written');
    expect(pauses).toEqual([100, 200, 400, 500]);
    expect(log[0]).toBe(
      'writing statuses failed (try 1, CLICKHOUSE_QUERY_FAILED): table is read-only; again in 100 ms',
    );
  });

  it('gives up once aborted, with the last error', async () => {
    const controller = new AbortController();
    const failure = retryUntilDone(
      'writing',
      async () => {
        throw new Error('down');
      },
      { log: () => controller.abort(), signal: controller.signal, sleep: async () => undefined },
    );
    await expect(failure).rejects.toThrow('down');
  });
});
