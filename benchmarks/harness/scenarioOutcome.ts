import { GatewayBatching } from '../simulator/gatewayBatches';

/** A target of issue 7 that a run can judge, and whether it met it. */
export interface TargetCheck {
  /** e.g. "e2e ≥ 0.8 × consume ceiling". */
  target: string;
  /** The measured value the target is about (a ratio, ms, bytes). */
  value: number;
  /** The value as the table shows it: "0.42", "183 ms", "1.21 GB". */
  display: string;
  /** `null` when this run cannot judge it (e.g. memory below 1M/10k). */
  met: boolean | null;
  /** Why not, when `met` is null; left out, {@link AT_THIS_SIZE}. */
  unjudged?: string;
}

/** Why most runs are not judged: smaller or shorter than the target is for. */
export const AT_THIS_SIZE = 'at this size';

/** Below this share of the rate asked sent, a paced run did not run at the rate asked. */
const MIN_SENT_SHARE = 0.95;

/**
 * Why a paced run (latency, soak) says nothing of a target at the rate it asked for,
 * or undefined when the simulator sent at least 95 % of that rate.
 */
export function sentShortfall(run: { rate: number; sentPerSecond: number }): string | undefined {
  if (run.sentPerSecond >= MIN_SENT_SHARE * run.rate) return undefined;
  return `at ${Math.floor((100 * run.sentPerSecond) / run.rate)} % of the rate asked: the simulator sent ${formatCount(run.sentPerSecond)} of ${formatCount(run.rate)} readings/s`;
}

/** What a scenario hands back to bench.ts: the record and its row of the results table. */
export interface ScenarioOutcome {
  parameters: Record<string, unknown>;
  figures: Record<string, unknown>;
  targets: TargetCheck[];
  /** Short Markdown for the table's columns. */
  row: { parameters: string; figures: string };
  /** The run used Java (the peer): record its version. */
  usedJava?: boolean;
}

export function formatCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)} k`;
  return value.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 1000) / 1000;
}

/** For a paced run's parameters: how its gateways sent batches (nothing for single readings). */
export function gatewaysText(gateways: GatewayBatching | undefined): string {
  return gateways
    ? `; batches of up to ${gateways.readings} from ${formatCount(gateways.gateways)} gateways, each sent within ${gateways.maxWaitMs} ms`
    : '';
}
