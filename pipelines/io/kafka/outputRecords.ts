import { IHeaders, Message } from 'kafkajs';
import { GroupStatus, toCanonicalJson } from '../../aggregate/groupStatus';
import { ForecastEvent } from '../../translate/forecastEvents';
import { StatusEvent } from '../../translate/statusEvents';

/** The headers derstream puts on what it writes to Kafka. */
export const HEADERS = {
  reason: 'derstream-reason',
  detail: 'derstream-detail',
  source: 'derstream-source',
  watermark: 'derstream-watermark',
  windowEnd: 'derstream-window-end',
  verb: 'derstream-verb',
  messageId: 'derstream-message-id',
  issuedAt: 'derstream-issued-at',
  /** On a reading rejected out of a gateway's batch: its index in the batch at `source`. */
  batchIndex: 'derstream-batch-index',
} as const;

/** Where a rejected record came from. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * A dead-letter (or late) record: the original key and bytes, untouched, with the
 * reason code and where it came from in the headers, so it can be inspected and
 * replayed as it was.
 */
export function rejectedRecord(
  source: SourcePosition,
  reason: string,
  detail: string,
  extra: IHeaders = {},
): Message {
  return {
    key: source.key,
    value: source.value,
    headers: {
      [HEADERS.reason]: reason,
      [HEADERS.detail]: detail.slice(0, 1000),
      [HEADERS.source]: `${source.topic}/${source.partition}/${source.offset}`,
      ...extra,
    },
  };
}

/** A status version on the internal status topic: canonical JSON, keyed by group mRID. */
export function statusRecord(status: GroupStatus): Message {
  return {
    key: status.groupId,
    value: toCanonicalJson(status),
    headers: {
      [HEADERS.windowEnd]: String(status.windowEnd),
      [HEADERS.verb]: status.version === 1 ? 'created' : 'changed',
    },
  };
}

/** A `ChangedDERGroupStatuses` event for the DMS: key = group mRID, the window end in a header. */
export function iecStatusRecord(event: StatusEvent): Message {
  return {
    key: event.key,
    value: event.xml,
    headers: { [HEADERS.windowEnd]: String(event.windowEnd), [HEADERS.messageId]: event.messageId },
  };
}

/** A `CreatedDERGroupForecasts` event for the DMS: key = group mRID, the issue time in a header. */
export function iecForecastRecord(event: ForecastEvent): Message {
  return {
    key: event.key,
    value: event.xml,
    headers: { [HEADERS.issuedAt]: String(event.issuedAt), [HEADERS.messageId]: event.messageId },
  };
}
