/**
 * What kafkajs's decoding of a fetched record batch costs a record, on this thread
 * alone: no broker, no socket, only `recordBatch/v0/decoder.js` over a batch that
 * kafkajs's own encoder made, as a fetch response holds it. It measures the kafkajs in
 * node_modules, patched (ops/patches) or not (`npx patch-package --reverse --patch-dir
 * ops/patches` takes the patch out, `bash ops/install.sh` puts it back). A script to run
 * by hand, not a test: timings depend on the machine, and this one is shared.
 *
 *   npx tsx benchmarks/kafka/recordDecodeCost.ts [batches] [rounds]
 *
 * Defaults: 3,000 decodes of a batch of 1,000 records (70-byte values keyed by device,
 * as the fleet's are, one record in a thousand with a header) a round, 9 rounds after a
 * first one to warm up; prints each round's ns a record and the best three.
 */
import { runScript } from '../harness/runScript';
import { Decoder, Long, decodeRecordBatch, encodeRecord, encodeRecordBatch } from './kafkajsInternals';

const batches = Number(process.argv[2] ?? 3000);
const rounds = Number(process.argv[3] ?? 9);
const RECORDS = 1000;

runScript('recordDecodeCost', async () => {
  if (!(batches > 0) || !(rounds > 0))
    throw new Error('usage: recordDecodeCost.ts [batches > 0] [rounds > 0]');
  const now = String(Date.now());
  const { buffer } = await encodeRecordBatch({
    compression: 0,
    firstOffset: Long.fromString('123456789'),
    firstTimestamp: Long.fromString(now),
    maxTimestamp: Long.fromString(now),
    lastOffsetDelta: RECORDS - 1,
    records: Array.from({ length: RECORDS }, (_, i) =>
      encodeRecord({
        offsetDelta: i,
        timestampDelta: i,
        key: Buffer.from(`der-${String(i).padStart(7, '0')}`),
        value: Buffer.alloc(70, i),
        headers: i % 1000 === 5 ? { origin: 'bench' } : {},
      }),
    ),
  });
  const perRecord: number[] = [];
  let decoded = 0;
  for (let round = 0; round <= rounds; round++) {
    const startedAt = process.hrtime.bigint();
    for (let i = 0; i < batches; i++)
      decoded += (await decodeRecordBatch(new Decoder(buffer))).records.length;
    const ns = Number(process.hrtime.bigint() - startedAt) / (batches * RECORDS);
    // The first round warms the code up.
    if (round > 0) perRecord.push(ns);
  }
  const { records } = await decodeRecordBatch(new Decoder(buffer));
  if (
    decoded !== (rounds + 1) * batches * RECORDS ||
    records.at(-1)?.offset !== String(123456789 + RECORDS - 1)
  )
    throw new Error('the batch did not decode to its records');
  const best = [...perRecord].sort((a, b) => a - b).slice(0, 3);
  process.stdout.write(
    `kafkajs decoding a batch of ${RECORDS} records: ns a record by round ${perRecord.map((ns) => ns.toFixed(0)).join(', ')}; best three ${best.map((ns) => ns.toFixed(0)).join(', ')}\n`,
  );
});
