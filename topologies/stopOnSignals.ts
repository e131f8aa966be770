import { constants } from 'node:os';

/** A signal that stops a command. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** What {@link stopOnSignals} needs of the process, so that a test can stand in for it. */
export interface SignalledProcess {
  on(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
  exit(code: number): never;
}

/**
 * Within this long of the first signal, another is that same stop: Ctrl-C reaches every
 * process of the terminal's group, and npm passes it on to the pipeline once more, within
 * milliseconds.
 */
export const SAME_STOP_MS = 2_000;

/**
 * The first SIGINT or SIGTERM aborts `controller`: the command finishes what it has in
 * hand (a run writes and commits what it has read) and exits. Signals within
 * {@link SAME_STOP_MS} of it are that same stop, ignored: with a listener removed after
 * the first, the relayed copy killed the pipeline half-way through its stop. A signal
 * after that exits at once, for someone who does not want to wait; nothing is lost by it
 * either, since offsets are committed only after what they produced is written.
 *
 * A command with nothing to stop part-way (setup, check, statuses, replay) gives no
 * controller: the first signal exits at once, rather than promising a stop it would not
 * make and running on to the end.
 */
export function stopOnSignals(
  controller: AbortController | undefined,
  log: (line: string) => void,
  proc: SignalledProcess = process,
  now: () => number = Date.now,
): void {
  let first: number | undefined;
  const stop = (signal: StopSignal) => {
    if (controller === undefined) {
      log(`${signal}: exiting before finishing`);
      proc.exit(128 + constants.signals[signal]);
    } else if (first === undefined) {
      first = now();
      log(`${signal}: stopping once what is in hand is written (again to exit at once)`);
      controller.abort();
    } else if (now() - first >= SAME_STOP_MS) {
      log(`${signal} again: exiting without finishing the stop`);
      proc.exit(128 + constants.signals[signal]);
    }
  };
  proc.on('SIGINT', stop);
  proc.on('SIGTERM', stop);
}
