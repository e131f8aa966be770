import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { BenchEnvironment } from './benchEnvironment';
import { progressBar } from './progressBar';

/** The line `run.sh --drain` prints (benchmarks/peers/kafka-streams/README.md), the fields the harness reads. */
export interface PeerFigures {
  peer: string;
  kafkaStreams: string;
  records: number;
  consumed: number;
  valid: number;
  invalid: number;
  undecodable: number;
  late: number;
  lateAtGroupStep: number;
  groups: number;
  statuses: number;
  statusesOnTopic: number;
  startupMs: number | null;
  elapsedMs: number;
  readingsPerSecond: number;
  closeMs: number;
  /** From spawning run.sh to the line (JVM start, build check, topic checks), ms. */
  processMs: number;
}

export const PEER_DIR = resolve(__dirname, '../peers/kafka-streams');

/**
 * Runs the Kafka Streams peer in drain mode on the run's telemetry and groups topics:
 * it reads everything from the beginning, ends the input with markers of its own (on a
 * topic of its own) and prints its figures. Its application id starts with the run's
 * prefix, so whatever it leaves is deleted with the run's topics. Its progress lines
 * ("consumed N/T") drive the progress bar; `run.sh` builds the jar first when stale.
 */
export async function runKafkaStreamsPeer(
  bench: BenchEnvironment,
  options: { quiet?: boolean; threads?: number; timeoutMs?: number } = {},
): Promise<PeerFigures> {
  const { topics, semantics } = bench.config;
  const args = [
    `${PEER_DIR}/run.sh`,
    '--drain',
    '--input-topic',
    topics.telemetry.name,
    '--groups-topic',
    topics.groups.name,
    '--output-topic',
    `${bench.prefix}peer.statuses`,
    '--application-id',
    `${bench.prefix}peer`,
    '--threads',
    String(options.threads ?? 2),
    '--window',
    `${semantics.windowMs}ms`,
    '--out-of-orderness',
    `${semantics.outOfOrdernessMs}ms`,
    '--lateness',
    `${semantics.latenessMs}ms`,
    '--staleness',
    `${semantics.stalenessMs}ms`,
    '--timeout',
    `${options.timeoutMs ?? 30 * 60_000}ms`,
  ];
  const startedAt = performance.now();
  const child = spawn('bash', args, {
    env: {
      ...bench.env,
      DERSTREAM_KAFKA_BROKERS: bench.config.kafka.brokers.join(','),
      DERSTREAM_REGISTRY_URL: bench.config.registry.url.toString(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let bar: ReturnType<typeof progressBar> | undefined;
  let stdout = '';
  const stderr: string[] = [];
  let line: string | undefined;
  let lineAt = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const found = stdout.split('\n').find((l) => l.startsWith('{"peer"'));
    if (found !== undefined && line === undefined) {
      line = found;
      lineAt = performance.now();
    }
  });
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const text of lines) {
      stderr.push(text);
      const progress = /consumed (\d+)\/(\d+)/.exec(text);
      if (progress) {
        bar ??= progressBar('peer', Number(progress[2]), { quiet: options.quiet, unit: 'readings' });
        bar.update(Number(progress[1]));
      }
    }
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  if (exitCode !== 0 || line === undefined) {
    throw new Error(
      `the Kafka Streams peer failed (exit ${exitCode}); its last lines:\n  ${stderr.slice(-15).join('\n  ')}`,
    );
  }
  const figures = JSON.parse(line) as Omit<PeerFigures, 'processMs'>;
  bar?.finish(figures.consumed);
  return { ...figures, processMs: Math.round(lineAt - startedAt) };
}
