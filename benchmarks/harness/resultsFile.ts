import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario } from './benchOptions';
import { MachineInfo } from './machineInfo';
import { TargetCheck } from './scenarioOutcome';

/** One run, as `benchmarks/results/<scenario>-<date>.json` holds it. */
export interface BenchResult {
  scenario: Scenario;
  /** What sets the run apart from the scenario's plain form ("--batch 50"): its own row in the table. */
  variant?: string;
  startedAt: string;
  finishedAt: string;
  /** How to run it again. */
  command: string;
  parameters: Record<string, unknown>;
  figures: Record<string, unknown>;
  targets: TargetCheck[];
  /** The text of its row in the results table. */
  row: { parameters: string; figures: string };
  machine: MachineInfo;
}

/** Writes the result as `<dir>/<scenario>-<start time, UTC>.json` and returns the path. */
export function writeResultFile(dir: string, result: BenchResult): string {
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const path = join(dir, `${result.scenario}-${stamp}.json`);
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}
