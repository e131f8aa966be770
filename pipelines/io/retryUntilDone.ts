import { DerstreamError, messageOf } from '../errors';

export interface RetryOptions {
  /** Says what failed and when the next try is. */
  log: (line: string) => void;
  /** First pause, doubled after each failure up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Gives up (rethrowing the last error) once aborted: shutting down, not losing data silently. */
  signal?: AbortSignal;
  /** Called after each failed try that will be tried again (the live pipeline pauses its consumer). */
  onRetry?: (error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `work` until it succeeds, pausing with exponential backoff between tries.
 *
 * For writes whose outputs cannot be produced again: once the engine has emitted a
 * window, a failed write of its statuses is the only copy, so the pipeline waits
 * (and stops consuming: the caller awaits this) rather than move on. Only for work
 * that is idempotent: a try that failed halfway is simply done again.
 *
 * A {@link DerstreamError} that says it is not retriable (a statement the store
 * refuses, a message the broker will never take) is rethrown at once: trying again
 * would block forever, and the caller stops instead, with nothing committed.
 * Anything else (a connection lost, a timeout, an error of unknown kind) is tried again.
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
      const tag = `try ${attempt}${code ? `, ${String(code)}` : ''}`;
      // The caller says what a refusal means (a record dead-lettered, the run stopped).
      if (!isRetriable(error)) throw error;
      options.log(`${what} failed (${tag}): ${messageOf(error)}; again in ${delay} ms`);
      options.onRetry?.(error);
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 10_000);
    }
  }
}

/**
 * derstream's own errors carry the answer; kafkajs's carry it as `retriable` too
 * (a broker's MESSAGE_TOO_LARGE is not, a lost connection is).
 */
function isRetriable(error: unknown): boolean {
  if (error instanceof DerstreamError) return error.retriable;
  const {
    retriable: flag,
    name,
    cause,
  } = (error ?? {}) as { retriable?: unknown; name?: unknown; cause?: unknown };
  // kafkajs marks an error non-retriable where its own retrier ends, keeping the one it
  // stopped at as the cause (a connection refused while the broker restarts).
  if (name === 'KafkaJSNonRetriableError' && cause !== undefined && cause !== error)
    return isRetriable(cause);
  // kafkajs gives up its own retries (only ever of retriable errors) and its timeouts
  // as non-retriable; for a write that must happen they are worth another round.
  if (typeof name === 'string' && KAFKAJS_GAVE_UP.has(name)) return true;
  return flag !== false;
}

const KAFKAJS_GAVE_UP = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);
