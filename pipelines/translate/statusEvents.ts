import { createHash } from 'node:crypto';
import { GroupStatus, toCanonicalJson } from '../aggregate/groupStatus';
import { toChangedDerGroupStatuses } from './derGroupStatuses';

/** One `ChangedDERGroupStatuses` message, ready for `dms.DERGroupStatuses` or a file. */
export interface StatusEvent {
  /** The group's mRID: the Kafka key, so one group's versions stay in order. */
  key: string;
  windowEnd: number;
  messageId: string;
  xml: string;
}

export interface StatusEventOptions {
  /** Header Source. */
  source: string;
  /** Header Timestamp for a status (live: the wall clock; replay: the window end, so files are deterministic). */
  timestamp: (status: GroupStatus) => number;
  compressed?: boolean;
}

/**
 * One event per status version. The MessageID is a name-based UUID (version 5 layout)
 * of the status's canonical JSON: publishing the same version again after a restart
 * gives the same MessageID, so a DMS can drop the repeat.
 */
export function statusEvents(statuses: readonly GroupStatus[], options: StatusEventOptions): StatusEvent[] {
  return statuses.map((status) => {
    const messageId = contentUuid(toCanonicalJson(status));
    return {
      key: status.groupId,
      windowEnd: status.windowEnd,
      messageId,
      xml: toChangedDerGroupStatuses(
        [status],
        { messageId, timestamp: options.timestamp(status), source: options.source },
        { compressed: options.compressed },
      ),
    };
  });
}

/** A UUID laid out as RFC 4122 version 5 (SHA-1, name-based) from `text`. */
export function contentUuid(text: string): string {
  const bytes = createHash('sha1').update('derstream.status:').update(text).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
