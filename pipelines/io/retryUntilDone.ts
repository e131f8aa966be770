import { messageOf } from '../errors';

export interface RetryOptions {
  /** Says what failed and when the next try is. */
  log: (line: string) => void;
  /** First pause, doubled after each failure up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Gives up (rethrowing the last error) once aborted: shutting down, not losing data silently. */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `work` until it succeeds, pausing with exponential backoff between tries.
 *
 * For writes whose outputs cannot be produced again: once the engine has emitted a
 * window, a failed write of its statuses is the only copy, so the pipeline waits
 * (and stops consuming: the caller awaits this) rather than move on. Only for work
 * that is idempotent: a try that failed halfway is simply done again.
 */
export async function retryUntilDone<T>(
  what: string,
  work: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delay = options.initialDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const code = (error as { code?: unknown }).code;
      options.log(
        `${what} failed (try ${attempt}${code ? `, ${String(code)}` : ''}): ${messageOf(error)}; again in ${delay} ms`,
      );
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 10_000);
    }
  }
}
