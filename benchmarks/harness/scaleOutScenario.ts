import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { BenchOptions } from './benchOptions';
import { BenchEnvironment, openBenchEnvironment } from './benchEnvironment';
import { produceEndOfInputMarkers } from './endOfInputMarkers';
import { InstancesFigures, runInstancesToEnd } from './instancesToEnd';
import { formatCount, ratio, ScenarioOutcome } from './scenarioOutcome';
import { fleetText, produceThroughputFleet, throughputParameters } from './throughputScenario';
import { formatCpuPerRecord } from './threadCpu';

/**
 * scale-out: one pre-produced telemetry topic read to the end twice, each time by
 * fresh processes in a consumer group of their own: one `derstream run` instance (the
 * pipeline of `e2e`, in a child process here), then `--instances N` instances scaled
 * out (`DERSTREAM_SCALE_OUT=partials`: partials through `der.partials`, each device's
 * committed reading on `der.device-readings`, each merged group's run on
 * `der.group-runs`). It gives what issue 7's answer to the consume ceiling rests on:
 * the rate of N instances and what a reading costs in CPU scaled out, every instance's
 * threads and the broker's, against one instance on the same topic in the same run. On
 * a machine with fewer cores than instances plus the broker, the rate says how they
 * share the cores; the CPU a reading is what more cores would have to provide.
 */
export async function scaleOutScenario(options: BenchOptions): Promise<ScenarioOutcome> {
  const bench = await openBenchEnvironment(options.scenario, { DERSTREAM_WINDOW: `${options.windowMs}ms` });
  try {
    const produced = await produceThroughputFleet(bench, options);
    const { type: _type, ...fleet } = produced;
    const markers = await produceEndOfInputMarkers(bench, produced);
    // Created once here: instances starting together would each create them.
    await ensureTopics(bench.admin, Object.values(bench.config.topics));
    const total = fleet.readings + markers;
    // With --profile: each instance's main thread, its raw profile in the temp folder.
    const profiled = (name: string): Record<string, string> =>
      options.profile
        ? { DERSTREAM_BENCH_PROFILE: join(tmpdir(), `derstream-bench-${bench.prefix}${name}.cpuprofile`) }
        : {};
    const single = await runInstancesToEnd({
      name: 'single',
      envs: [instanceEnv(bench, 'single', 'single', { DERSTREAM_SCALE_OUT: '', ...profiled('single') })],
      total,
      quiet: options.quiet,
    });
    const scaled = await runInstancesToEnd({
      name: `scaled out ×${options.instances}`,
      envs: Array.from({ length: options.instances }, (_, i) =>
        instanceEnv(bench, 'scaled', `scaled-${i + 1}`, {
          DERSTREAM_SCALE_OUT: 'partials',
          ...profiled(`scaled-${i + 1}`),
        }),
      ),
      total,
      statuses: single.statuses,
      quiet: options.quiet,
    });
    const cpuSum = (figures: InstancesFigures) =>
      Object.values(figures.cpuPerReadingUs).reduce((sum, us) => sum + us, 0);
    // A run read in one batch has no steady span, and no CPU measured over one.
    const ratioOf = (a: number, b: number) => (a > 0 && b > 0 ? ratio(a, b) : undefined);
    const ratios = {
      scaledToSingle: ratio(scaled.readingsPerSecond, single.readingsPerSecond),
      scaledToSingleSteady: ratioOf(scaled.steadyReadingsPerSecond, single.steadyReadingsPerSecond),
      cpuScaledToSingle: ratioOf(cpuSum(scaled), cpuSum(single)),
    };
    const checks = {
      singleStatusesEveryWindow: single.statuses === fleet.groups * fleet.windows,
      scaledStatusesAtLeastSingle: scaled.statuses >= single.statuses,
    };
    const describe = (name: string, figures: InstancesFigures) =>
      `${name} ${formatCount(figures.readingsPerSecond)} readings/s (steady ${formatCount(figures.steadyReadingsPerSecond)}), CPU µs a reading: ${formatCpuPerRecord(figures.cpuPerReadingUs)}${figures.cpuPerReadingUs.broker === undefined ? '' : `, broker ${figures.cpuPerReadingUs.broker.toFixed(2)}`} (${cpuSum(figures).toFixed(2)} in all)`;
    return {
      parameters: { ...throughputParameters(bench, options), instances: options.instances },
      figures: { fleet, markers, single, scaled, ratios, checks },
      targets: [],
      row: {
        parameters: `${fleetText(fleet, bench.config.topics.telemetry.partitions)}; ${options.instances} instances scaled out`,
        figures: [
          describe('one instance', single),
          describe(`${options.instances} scaled out`, scaled),
          `scaled/single: rate ${ratios.scaledToSingle}, CPU a reading ${ratios.cpuScaledToSingle ?? '(not measured)'}`,
        ].join('; '),
      },
    };
  } finally {
    await bench.teardown();
  }
}

/** An instance's settings: the run's, in consumer group `<run>.<group>` with a chDB directory of its own. */
function instanceEnv(
  bench: BenchEnvironment,
  group: string,
  name: string,
  settings: Record<string, string>,
): NodeJS.ProcessEnv {
  return {
    ...bench.env,
    DERSTREAM_CONSUMER_GROUP: `${bench.env.DERSTREAM_CONSUMER_GROUP}.${group}`,
    DERSTREAM_CHDB_PATH: join(bench.chdbDir, name),
    ...settings,
  };
}
