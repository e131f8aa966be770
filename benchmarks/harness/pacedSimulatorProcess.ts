import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../topologies/config';
import { sendToParent } from './forkTypescript';
import { pacedSimulator, PacedSimulatorRun, PacedSimulatorSpec } from './pacedSimulator';
import { runScript } from './runScript';

/**
 * The simulator of the latency scenario (pacedSimulator.ts) in a process of its own, so
 * that making and sending readings does not share the pipeline's event loop: its
 * records made first, then paced from the start it picked for the spec's duration.
 * Started by steadyRateLatency.ts with the spec as JSON; tells the parent when it
 * starts, what it sent and when each window's closing reading was due and sent
 * (WindowClosings).
 */
export type PacedSimulatorMessage =
  | { kind: 'making'; made: number; expected: number }
  | { kind: 'started'; start: number; end: number }
  | ({
      kind: 'done';
      start: number;
      end: number;
      sentMs: number;
      /** The Kafka client it sent with: librdkafka, or kafkajs and why. */
      client: string;
    } & PacedSimulatorRun);

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as PacedSimulatorSpec;
  const simulator = await pacedSimulator(spec, loadConfig(process.env));
  const send = (message: PacedSimulatorMessage) => sendToParent(message);
  // Not awaited: the making is synchronous, and the parent only draws a bar with these.
  const run = await simulator.prepare((made, expected) => void send({ kind: 'making', made, expected }));
  const { start, end } = run;
  await sleep(Math.max(0, start - Date.now()));
  await send({ kind: 'started', start, end });
  const stop = new AbortController();
  const guard = setTimeout(() => stop.abort(), spec.durationMs + 10_000);
  const { sent, messages, closings } = await run.send({ signal: stop.signal });
  clearTimeout(guard);
  await send({
    kind: 'done',
    start,
    end,
    sent,
    messages,
    sentMs: Date.now() - start,
    client: simulator.client,
    closings,
  });
}

runScript('paced simulator', main);
