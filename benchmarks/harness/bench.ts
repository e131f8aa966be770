import { DerstreamError, messageOf } from '../../pipelines/errors';
import { loadConfig } from '../../topologies/config';
import { BenchOptions, parseBenchOptions, USAGE } from './benchOptions';
import { latencyScenario } from './latencyScenario';
import { loadAverage, machineInfo } from './machineInfo';
import { memoryScenario } from './memoryScenario';
import { BenchResult, writeResultFile } from './resultsFile';
import { updateResultsTable } from './resultsTable';
import { scaleOutScenario } from './scaleOutScenario';
import { ScenarioOutcome } from './scenarioOutcome';
import { sinkScenario } from './sinkScenario';
import { soakScenario } from './soakScenario';
import { checkStack } from './stackCheck';
import { throughputScenario } from './throughputScenario';

/**
 * `npm run bench -- <scenario> [options]` (issue 7): runs one scenario on the local
 * stack, writes `<out>/<scenario>-<date>.json` and updates the results table. Progress
 * goes to stderr; the result file's path and the table row to stdout. No benchmark
 * asserts a time: the targets are judged and recorded, never fail the run.
 */
export async function bench(argv: string[]): Promise<{ path: string; result: BenchResult }> {
  const options = parseBenchOptions(argv);
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  if (options.scenario !== 'sink') await checkStack(loadConfig());
  const outcome = await runScenario(
    options,
    argv.some((a) => a === '--devices' || a.startsWith('--devices=')),
  );
  if (outcome.usedJava) machine.versions = { ...machineInfo({ java: true }).versions };
  machine.loadAverageAtEnd = loadAverage();
  const settings = derstreamSettings();
  const given = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
  // The table shows what changes the pipeline's behaviour, not where the services are.
  const shown = given.filter((setting) => !CONNECTION_SETTING.test(setting));
  const result: BenchResult = {
    scenario: options.scenario,
    ...(options.batch > 1 && options.scenario !== 'sink' ? { variant: `--batch ${options.batch}` } : {}),
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `${given.length > 0 ? `${given.join(' ')} ` : ''}npm run bench -- ${argv.join(' ')}`,
    parameters: { ...outcome.parameters, settings },
    figures: outcome.figures,
    targets: outcome.targets,
    row:
      shown.length > 0
        ? { ...outcome.row, parameters: `${outcome.row.parameters}; ${shown.join(', ')}` }
        : outcome.row,
    machine,
  };
  const path = writeResultFile(options.outDir, result);
  await updateResultsTable(options.tableFile, result, path);
  return { path, result };
}

const CONNECTION_SETTING = /^DERSTREAM_(KAFKA_BROKERS|REGISTRY_URL|STACK_DIR|BENCH_OUT|CHDB_PATH)=/;

/** The DERSTREAM_* settings the run was given (they reach the pipeline), secrets left out. */
function derstreamSettings(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[0].startsWith('DERSTREAM_') &&
        !/PASSWORD|TOKEN|USERNAME/.test(entry[0]) &&
        entry[1] !== undefined,
    ),
  );
}

function runScenario(options: BenchOptions, devicesGiven: boolean): Promise<ScenarioOutcome> {
  switch (options.scenario) {
    case 'consume-ceiling':
    case 'e2e':
    case 'compare':
    case 'peer':
      return throughputScenario(options);
    case 'latency':
      return latencyScenario(options, devicesGiven);
    case 'soak':
      return soakScenario(options, devicesGiven);
    case 'memory':
      return memoryScenario(options);
    case 'sink':
      return sinkScenario(options);
    case 'scale-out':
      return scaleOutScenario(options);
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    const { path, result } = await bench(argv);
    process.stdout.write(`${result.scenario}: ${result.row.figures}\n`);
    for (const t of result.targets)
      process.stdout.write(
        `  ${t.target}: ${t.display}${t.met === null ? ` (not judged${t.unjudged ? ` ${t.unjudged}` : ''})` : t.met ? ' met' : ' NOT met'}\n`,
      );
    process.stdout.write(`result: ${path}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`bench: ${messageOf(error)}\n`);
    if (!(error instanceof DerstreamError) && process.env.DERSTREAM_DEBUG === '1' && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
