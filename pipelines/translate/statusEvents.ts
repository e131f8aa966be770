import { createHash } from 'node:crypto';
import { GroupStatus, toCanonicalJson } from '../aggregate/groupStatus';
import { DerGroupStatusesOptions, toChangedDerGroupStatuses } from './derGroupStatuses';

/** One `ChangedDERGroupStatuses` message, ready for `dms.DERGroupStatuses` or a file. */
export interface StatusEvent {
  /**
   * The Kafka key: the group's mRID, so one group's versions stay in order; for a batch
   * (several groups of one window), the window end in ISO 8601.
   */
  key: string;
  windowEnd: number;
  messageId: string;
  xml: string;
}

export interface StatusEventOptions extends DerGroupStatusesOptions {
  /** Header Source. */
  source: string;
  /** Header Timestamp for a status (live: the wall clock; replay: the window end, so files are deterministic). */
  timestamp: (status: GroupStatus) => number;
  /**
   * Put all statuses of one window in one message, split so that no message is longer
   * than `maxBytes` (a single group's status is never split, so it alone may exceed it).
   */
  batch?: { maxBytes: number };
}

/**
 * One event per status version, or with `batch` one per window and size limit. The
 * MessageID is a name-based UUID (version 5 layout) of the statuses' canonical JSON: publishing the same version again after a restart
 * gives the same MessageID, so a DMS can drop the repeat.
 */
export function statusEvents(statuses: readonly GroupStatus[], options: StatusEventOptions): StatusEvent[] {
  if (!options.batch) return statuses.map((status) => event([status], options));
  const byWindow = new Map<number, GroupStatus[]>();
  for (const status of statuses) {
    const list = byWindow.get(status.windowEnd);
    if (list) list.push(status);
    else byWindow.set(status.windowEnd, [status]);
  }
  const events: StatusEvent[] = [];
  const maxBytes = options.batch.maxBytes;
  for (const window of byWindow.values())
    events.push(...withinLimit(window, (part) => event(part, options), maxBytes));
  return events;
}

/**
 * The message `build` makes of all `items`, or, while it is longer than `maxBytes`, the
 * messages of each half; a single item is never split, so it alone may exceed the limit.
 */
export function withinLimit<T, E extends { xml: string }>(
  items: T[],
  build: (items: T[]) => E,
  maxBytes: number,
): E[] {
  const whole = build(items);
  if (items.length === 1 || Buffer.byteLength(whole.xml) <= maxBytes) return [whole];
  const half = Math.ceil(items.length / 2);
  return [
    ...withinLimit(items.slice(0, half), build, maxBytes),
    ...withinLimit(items.slice(half), build, maxBytes),
  ];
}

function event(statuses: GroupStatus[], options: StatusEventOptions): StatusEvent {
  const first = statuses[0]!;
  const messageId = contentUuid(statuses.map(toCanonicalJson).join('\n'));
  return {
    key: statuses.length === 1 ? first.groupId : new Date(first.windowEnd).toISOString(),
    windowEnd: first.windowEnd,
    messageId,
    xml: toChangedDerGroupStatuses(
      statuses,
      { messageId, timestamp: options.timestamp(first), source: options.source },
      options,
    ),
  };
}

/** A UUID laid out as RFC 4122 version 5 (SHA-1, name-based) from `text`. */
export function contentUuid(text: string, namespace = 'derstream.status'): string {
  const bytes = createHash('sha1').update(`${namespace}:`).update(text).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
