import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { brokerPid } from './brokerProcess';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  /** 1, 5 and 15 minute load averages when the run started: the machine is shared. */
  loadAverage: number[];
  /** The same when it ended. */
  loadAverageAtEnd?: number[];
  versions: {
    node: string;
    kafkajs: string;
    /** The broker's release, read from the local stack's running broker (unknown when elsewhere). */
    kafka: string;
    chdb: string;
    java?: string;
  };
  /** The code measured: HEAD and whether the work tree differed from it. */
  git: { commit: string; dirty: boolean } | null;
  /**
   * glibc's `MALLOC_MMAP_THRESHOLD_` as the harness (and the pipelines it runs or forks)
   * had it; `npm run bench` sets it as `npm run derstream` does (see topologies/allocatorNote.ts).
   */
  mallocMmapThreshold: string | null;
}

const ROOT = resolve(__dirname, '../..');

/** 1, 5 and 15 minute load averages now. */
export function loadAverage(): number[] {
  return loadavg().map((v) => Math.round(v * 100) / 100);
}

/** The machine and the software a result was measured with. */
export function machineInfo(options: { java?: boolean } = {}): MachineInfo {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryBytes: totalmem(),
    os: `${type()} ${release()}`,
    loadAverage: loadAverage(),
    versions: {
      node: process.version,
      kafkajs: packageVersion('kafkajs'),
      kafka: brokerVersion(),
      chdb: packageVersion('chdb'),
      ...(options.java ? { java: javaVersion() } : {}),
    },
    git: gitState(),
    mallocMmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
  };
}

function gitState(): { commit: string; dirty: boolean } | null {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return null;
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' };
}

function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The Kafka release of the broker ops/stack.sh started: its classpath names
 * `.stack/dist/kafka-<version>/lib`. Read from the recorded PID's command line.
 */
function brokerVersion(): string {
  try {
    const cmdline = readFileSync(`/proc/${brokerPid()}/cmdline`, 'utf8');
    return /kafka-([0-9][^/\s\0]*)\/lib/.exec(cmdline)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function javaVersion(): string {
  // `java -version` writes to stderr.
  const run = spawnSync(process.env.PEER_JAVA ?? 'java', ['-version'], { encoding: 'utf8' });
  return `${run.stderr ?? ''}`.split('\n')[0]?.trim() || 'unknown';
}
