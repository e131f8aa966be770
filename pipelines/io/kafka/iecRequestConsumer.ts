import { randomUUID } from 'node:crypto';
import { Admin, Kafka, Producer } from 'kafkajs';
import { messageOf } from '../../errors';
import { IecReply } from '../../translate/iecRequestHandler';
import { retryUntilDone } from '../retryUntilDone';
import { HEADERS } from './outputRecords';
import { FETCH_WAIT_MS } from './kafkaClient';

export interface IecRequestConsumerOptions {
  requestsTopic: string;
  /** Where replies go when the request names no ReplyAddress, or one that is not a topic. */
  repliesTopic: string;
  /** Consumer group of the requests consumer; one instance of the group answers each request. */
  groupId: string;
  /**
   * The consumer's session timeout and heartbeat, as the telemetry consumer's: after a
   * crash the restarted instance joins the requests group only once the dead member's
   * session has expired, and its telemetry waits behind that join.
   */
  session: { timeoutMs: number; heartbeatIntervalMs: number };
  /** Answers one request (never throws for bad input; a throw means "try again"). */
  handle: (request: Buffer) => Promise<IecReply>;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** A topic name Kafka accepts (and not an internal one). */
const TOPIC_NAME = /^(?!__)[A-Za-z0-9._-]{1,249}$/;

/**
 * Serves IEC 61968-100 requests from `dms.requests`: each is answered, the reply is
 * produced (acks = all) to the request's ReplyAddress, or to `repliesTopic`, keyed by
 * the request's MessageID (the reply's CorrelationID), and only then is the request's
 * offset committed. A crash in between answers the request again after a restart (a
 * DMS matches replies on CorrelationID; group changes are idempotent by group and
 * effective time).
 *
 * A ReplyAddress must name an existing topic: replies never create topics, so a
 * request cannot make the broker create one. When it does not, the reply goes to
 * `repliesTopic` with a header saying why.
 */
export async function serveIecRequests(
  kafka: Kafka,
  options: IecRequestConsumerOptions,
): Promise<{ stop: () => Promise<void> }> {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const admin: Admin = kafka.admin();
  await admin.connect();
  const known = new Set<string>([options.repliesTopic]);
  const exists = async (topic: string) => {
    if (known.has(topic)) return true;
    if (!TOPIC_NAME.test(topic)) return false;
    const topics = await admin.listTopics();
    if (topics.includes(topic)) known.add(topic);
    return known.has(topic);
  };

  const consumer = kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: FETCH_WAIT_MS,
    sessionTimeout: options.session.timeoutMs,
    heartbeatInterval: options.session.heartbeatIntervalMs,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.requestsTopic, fromBeginning: true });
  const retry = { log: options.log, signal: options.signal };
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (message.value !== null) {
        const reply = await retryUntilDone(
          'answering an IEC request',
          () => options.handle(message.value!),
          retry,
        );
        const addressed = reply.replyAddress !== undefined && (await exists(reply.replyAddress));
        const target = addressed ? reply.replyAddress! : options.repliesTopic;
        const headers: Record<string, string> = {
          [HEADERS.messageId]: reply.correlationId ?? '',
          'derstream-result': reply.result,
          [HEADERS.source]: `${topic}/${partition}/${message.offset}`,
        };
        if (reply.replyAddress !== undefined && !addressed) {
          headers[HEADERS.reason] = 'REPLY_ADDRESS_UNKNOWN';
          headers[HEADERS.detail] =
            `ReplyAddress ${JSON.stringify(reply.replyAddress.slice(0, 300))} is not an existing topic`;
        }
        await retryUntilDone(
          'publishing an IEC reply',
          () =>
            producer.send({
              topic: target,
              acks: -1,
              messages: [{ key: reply.correlationId ?? randomUUID(), value: reply.xml, headers }],
            }),
          retry,
        );
        options.log(`iec: ${reply.result} reply to ${reply.correlationId ?? '(no MessageID)'} on ${target}`);
      }
      await consumer.commitOffsets([{ topic, partition, offset: String(BigInt(message.offset) + 1n) }]);
    },
  });
  consumer.on(consumer.events.CRASH, (event) =>
    options.log(`iec: request consumer crashed: ${messageOf(event.payload.error)}`),
  );
  return {
    stop: async () => {
      await consumer.disconnect();
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
}
