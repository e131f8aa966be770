import { EventEmitter } from 'node:events';
import { SAME_STOP_MS, SignalledProcess, StopSignal, stopOnSignals } from '../../topologies/stopOnSignals';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** A process whose signals the test sends, at the times it sets. */
function signalledProcess(stoppable = true) {
  const emitter = new EventEmitter();
  let time = 0;
  const proc: SignalledProcess = {
    on: (signal, listener) => emitter.on(signal, listener),
    exit: (code) => {
      throw new Exited(code);
    },
  };
  const controller = new AbortController();
  const lines: string[] = [];
  stopOnSignals(
    stoppable ? controller : undefined,
    (line) => lines.push(line),
    proc,
    () => time,
  );
  return {
    controller,
    lines,
    send: (signal: StopSignal, at: number) => {
      time = at;
      emitter.emit(signal, signal);
    },
  };
}

describe('stopOnSignals', () => {
  it('stops on the first signal and takes the copies relayed within SAME_STOP_MS as the same stop', () => {
    const { controller, lines, send } = signalledProcess();
    expect(controller.signal.aborted).toBe(false);
    send('SIGINT', 1_000);
    expect(controller.signal.aborted).toBe(true);
    // Ctrl-C reaches the pipeline from the terminal and again from npm, and as the
    // SIGTERM of the script that started it.
    expect(() => send('SIGINT', 1_004)).not.toThrow();
    expect(() => send('SIGTERM', 1_000 + SAME_STOP_MS - 1)).not.toThrow();
    expect(lines).toEqual(['SIGINT: stopping once what is in hand is written (again to exit at once)']);
  });

  it('exits at once, with 128 + the signal number, on a signal after that', () => {
    const { lines, send } = signalledProcess();
    send('SIGTERM', 0);
    expect(() => send('SIGINT', SAME_STOP_MS)).toThrow(new Exited(130));
    expect(lines.at(-1)).toBe('SIGINT again: exiting without finishing the stop');
    const other = signalledProcess();
    other.send('SIGINT', 0);
    expect(() => other.send('SIGTERM', 60_000)).toThrow(new Exited(143));
  });

  it('exits at the first signal a command that cannot stop part-way, saying so', () => {
    const { controller, lines, send } = signalledProcess(false);
    expect(() => send('SIGINT', 0)).toThrow(new Exited(130));
    expect(lines).toEqual(['SIGINT: exiting before finishing']);
    expect(controller.signal.aborted).toBe(false);
  });
});
