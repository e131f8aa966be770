import { ClickhouseQueryError, ServiceUnavailableError } from '../../../pipelines/errors';
import { retryUntilDone } from '../../../pipelines/io/retryUntilDone';

describe('retryUntilDone', () => {
  it('tries again with doubling pauses until the work succeeds, saying why each try failed', async () => {
    const pauses: number[] = [];
    const log: string[] = [];
    let tries = 0;
    const result = await retryUntilDone(
      'writing statuses',
      async () => {
        if (++tries < 5)
          throw new ServiceUnavailableError('clickhouse', 'DERSTREAM_CHDB_PATH', 'chDB is busy');
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
      'writing statuses failed (try 1, SERVICE_UNAVAILABLE): clickhouse (DERSTREAM_CHDB_PATH): chDB is busy; again in 100 ms',
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

  it('rethrows at once what says it is not retriable, and retries what says nothing', async () => {
    const log: string[] = [];
    const retried: unknown[] = [];
    const options = {
      log: (line: string) => log.push(line),
      onRetry: (error: unknown) => retried.push(error),
      sleep: async () => undefined,
    };
    let tries = 0;
    const refused = retryUntilDone(
      'writing statuses',
      async () => {
        tries++;
        throw new ClickhouseQueryError('table is read-only');
      },
      options,
    );
    await expect(refused).rejects.toThrow('table is read-only');
    expect(tries).toBe(1);
    expect(log).toEqual([]);
    const tooLarge = Object.assign(
      new Error('The request included a message larger than the max message size'),
      {
        name: 'KafkaJSProtocolError',
        type: 'MESSAGE_TOO_LARGE',
        retriable: false,
      },
    );
    await expect(retryUntilDone('publishing', () => Promise.reject(tooLarge), options)).rejects.toBe(
      tooLarge,
    );
    const connectionRefused = Object.assign(
      new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'),
      {
        name: 'KafkaJSConnectionError',
        retriable: true,
      },
    );
    const gaveUp = Object.assign(new Error(connectionRefused.message), {
      name: 'KafkaJSNonRetriableError',
      retriable: false,
      cause: connectionRefused,
    });
    let restarting = 0;
    await retryUntilDone(
      'publishing',
      async () => {
        if (++restarting < 2) throw gaveUp;
      },
      options,
    );
    expect(restarting).toBe(2);
    let plain = 0;
    await retryUntilDone(
      'publishing',
      async () => {
        if (++plain < 3)
          throw Object.assign(new Error('Connection error'), {
            name: 'KafkaJSConnectionError',
            retriable: true,
          });
        return undefined;
      },
      options,
    );
    expect(plain).toBe(3);
    expect(retried).toHaveLength(3);
  });
});
