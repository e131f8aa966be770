import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpuMsOfStat } from './threadCpu';

const ROOT = resolve(__dirname, '../..');

/**
 * The PID of the Kafka broker ops/stack.sh started (its `run/kafka.pid` in
 * `DERSTREAM_STACK_DIR`, `.stack/local` by default), or undefined when there is none.
 */
export function brokerPid(): string | undefined {
  try {
    const stack = resolve(ROOT, process.env.DERSTREAM_STACK_DIR ?? '.stack/local');
    return readFileSync(join(stack, 'run', 'kafka.pid'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user and system, every thread) the local broker has used so far, ms;
 * undefined when it cannot be read (no broker of ops/stack.sh, or not Linux). What a
 * run costs the broker is the difference of two readings.
 */
export function brokerCpuMs(): number | undefined {
  const pid = brokerPid();
  if (pid === undefined) return undefined;
  try {
    return cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
