import { parseArgs } from 'node:util';
import { ConfigError, DerstreamError, messageOf } from '../pipelines/errors';
import { check } from './commands/check';
import { setup } from './commands/setup';
import { statuses } from './commands/statuses';
import { parseReplayOptions, replayCommand } from './commands/replay';
import { run } from './commands/run';
import { parseSimulateOptions, simulate } from './commands/simulate';
import { topic } from './commands/topic';
import { loadConfig } from './config';
import { stopOnSignals } from './stopOnSignals';

/**
 * The derstream command line: `npm run -s derstream -- <command> [options]`.
 * Errors that derstream raises on purpose print as one line and exit 1; anything else
 * is a bug and prints its stack when DERSTREAM_DEBUG=1.
 */
const HELP = `derstream: DER telemetry → IEC 61968-5 DER group statuses and forecasts

usage: npm run -s derstream -- <command> [options]

commands:
  setup       create the Kafka topics, register the Avro schemas, apply ClickHouse migrations
  check       check that Kafka, the schema registry and ClickHouse answer
  run         the live pipeline: der.telemetry → group statuses in ClickHouse and on der.statuses
              (settings from the environment: DERSTREAM_WINDOW, DERSTREAM_LATENESS, …; stops on SIGTERM/SIGINT;
              DERSTREAM_SCALE_OUT=partials: one of several instances in one consumer group, see README.md)
  statuses    the latest stored statuses, canonical JSON, newest window first
              [--group MRID] [--limit N (20)]
  topic       every record a Kafka topic holds now, one JSON line each, then exits
              NAME (e.g. der.statuses, der.dead-letter, dms.replies; with the topic prefix if set)
  replay      the status topology on files, deterministic
              --telemetry T.ndjson --groups G.json|G.xml --out DIR
              [--window 60s] [--out-of-orderness 5s] [--lateness 0] [--staleness 3m]
              [--xml: also DIR/messages/NNNNNN.xml, every IEC message live mode would publish]
              writes DIR/statuses.ndjson, DIR/dead-letter.ndjson, DIR/late.ndjson,
              DIR/forecasts.ndjson, DIR/forecast-accuracy.json
              (forecast settings: DERSTREAM_FORECAST_EVERY, _INTERVAL, _HORIZON)
  simulate    a simulated DER fleet's telemetry, to Kafka (live) or to an NDJSON file
              --devices N (1000)  --groups G (50)  --seed S (1)  --rate R readings/s
              --duration D (e.g. 10m; live: until stopped; the --late share, held back 5 min,
                goes out after it: --late 0 ends at D)  --schema-version 1|2
              --out FILE  --groups-out FILE
              --start ISO-TIME (file: first instant; Kafka: backfill from it as fast as possible)
              --invalid SHARE (file only, 0.001)  --late SHARE  --duplicates SHARE  --kinds pv,battery,ev,load
              --batch N (Kafka: up to N readings per TelemetryBatch message, through gateways)

settings come from the environment (see README.md, "Configuration"):
  DERSTREAM_KAFKA_BROKERS, DERSTREAM_REGISTRY_URL, DERSTREAM_CLICKHOUSE_URL, DERSTREAM_CHDB_PATH, …
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || ['--help', '-h', 'help'].includes(command) || rest.includes('--help')) {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  // Output piped into `head` that has read enough: done, as with any Unix command.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const controller = new AbortController();
  stopOnSignals(command === 'run' || command === 'simulate' ? controller : undefined, (line) =>
    process.stderr.write(`${command}: ${line}\n`),
  );

  switch (command) {
    case 'setup':
      parseArgs({ args: rest, options: {} });
      await setup(loadConfig(), log);
      return 0;
    case 'check':
      parseArgs({ args: rest, options: {} });
      await check(loadConfig(), log);
      return 0;
    case 'run': {
      parseArgs({ args: rest, options: {} });
      await run(loadConfig(), { log, signal: controller.signal });
      return 0;
    }
    case 'statuses': {
      const { values } = parseArgs({
        args: rest,
        options: { group: { type: 'string' }, limit: { type: 'string' } },
      });
      await statuses(loadConfig(), values, log);
      return 0;
    }
    case 'topic': {
      const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true });
      if (positionals.length > 1) throw new ConfigError('topic', 'one topic at a time');
      await topic(loadConfig(), positionals[0], log);
      return 0;
    }
    case 'replay': {
      const names = ['telemetry', 'groups', 'out', 'window', 'out-of-orderness', 'lateness', 'staleness'];
      const { values } = parseArgs({
        args: rest,
        options: {
          ...Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
          xml: { type: 'boolean' as const },
        },
      });
      const { xml, ...strings } = values;
      await replayCommand(
        parseReplayOptions({
          ...(strings as Record<string, string | undefined>),
          xml: xml ? 'true' : undefined,
        }),
        log,
      );
      return 0;
    }
    case 'simulate': {
      const names = [
        'devices',
        'groups',
        'seed',
        'rate',
        'duration',
        'out',
        'groups-out',
        'start',
        'invalid',
        'late',
        'duplicates',
        'schema-version',
        'kinds',
        'batch',
      ];
      const { values } = parseArgs({
        args: rest,
        options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      });
      const options = parseSimulateOptions(values as Record<string, string | undefined>);
      await simulate(loadConfig(), options, log, controller.signal);
      return 0;
    }
    default:
      process.stderr.write(`derstream: unknown command "${command}"; see npm run -s derstream -- --help\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof DerstreamError) {
      process.stderr.write(`derstream: ${error.message}\n`);
    } else if (String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`derstream: ${messageOf(error)}; see npm run -s derstream -- --help\n`);
      process.exit(2);
    } else {
      process.stderr.write(`derstream: unexpected error: ${messageOf(error)}\n`);
      if (process.env.DERSTREAM_DEBUG === '1') process.stderr.write(`${(error as Error).stack}\n`);
      else process.stderr.write('derstream: set DERSTREAM_DEBUG=1 for the stack trace\n');
    }
    process.exit(1);
  },
);
