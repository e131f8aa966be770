import { IHeaders, Message, TopicMessages } from 'kafkajs';

/**
 * What one produce request may carry: below Kafka's default `message.max.bytes`
 * (1,048,588), which a broker applies to each partition's record batch. kafkajs puts
 * all of a `sendBatch` into one request, so a window's forecasts for thousands of
 * groups, or a burst of late records, would otherwise be refused as a whole.
 */
export const MAX_REQUEST_BYTES = 1_000_000;

/** Per-record framing in a v2 record batch (length, attributes, deltas, varints), generously. */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * Splits what is to be sent into requests of at most `maxBytes` each (estimated from
 * keys, values and headers), keeping every topic's messages in their order. A message
 * larger than `maxBytes` on its own travels alone: the broker's answer to it (the
 * topic's own limit may be higher) is then about that message only.
 */
export function requestChunks(
  topicMessages: readonly TopicMessages[],
  maxBytes = MAX_REQUEST_BYTES,
): TopicMessages[][] {
  const chunks: TopicMessages[][] = [];
  let chunk: TopicMessages[] = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let current: TopicMessages | undefined;
    for (const message of messages) {
      const size = sizeOf(message);
      if (bytes > 0 && bytes + size > maxBytes) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
        current = undefined;
      }
      if (!current) chunk.push((current = { topic, messages: [] }));
      current.messages.push(message);
      bytes += size;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function sizeOf(message: Message): number {
  return (
    RECORD_OVERHEAD_BYTES + lengthOf(message.key) + lengthOf(message.value) + headersLength(message.headers)
  );
}

function lengthOf(data: Buffer | string | null | undefined): number {
  if (data === null || data === undefined) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

function headersLength(headers: IHeaders | undefined): number {
  let n = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    n += Buffer.byteLength(name) + 8;
    for (const item of Array.isArray(value) ? value : [value])
      n += lengthOf(item as Buffer | string | undefined);
  }
  return n;
}
