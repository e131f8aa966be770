import { ClickhouseQueryError, messageOf } from '../../errors';

/**
 * ClickHouse error codes that describe the moment, not the statement: the same write
 * succeeds once memory is freed, merges catch up or the server is back.
 */
const TRANSIENT_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  252, // TOO_MANY_PARTS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  473, // DEADLOCK_AVOIDED
]);

/** Node's socket errors: the server is down, restarting or unreachable. */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/** The file an insert goes through could not be written: the disk or the process's file handles are full for now. */
const FILE_ERRNOS = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EAGAIN']);

/**
 * What ClickHouse (chDB or a server) said about `sql`, as a typed error whose
 * `retriable` flag tells the retry logic whether another try can succeed: a refused
 * statement is a bug to report, a full memory or a lost connection passes.
 */
export function clickhouseFailure(where: string, sql: string, error: unknown): ClickhouseQueryError {
  return new ClickhouseQueryError(`${where} refused "${sql.trim().slice(0, 120)}": ${messageOf(error)}`, {
    cause: error,
    retriable: isTransient(error),
  });
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (NETWORK_ERRNOS.has(code) || FILE_ERRNOS.has(code))) return true;
  const numeric = typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
  const fromMessage = /\bCode: (\d+)\b/.exec(messageOf(error))?.[1];
  const clickhouseCode = numeric ?? (fromMessage === undefined ? undefined : Number(fromMessage));
  return clickhouseCode !== undefined && TRANSIENT_CODES.has(clickhouseCode);
}
