/**
 * A progress bar for the long phases of a benchmark, on stderr so it never mixes with
 * results. On a terminal it redraws one line (at most 10 times a second); elsewhere (CI,
 * a log file) it prints a plain line every 10 s; quiet, nothing.
 */
export interface Progress {
  /** How far along: `done` of the total given at the start. */
  update(done: number): void;
  /** Ends the line, with the final count and rate. */
  finish(done?: number): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** What is counted, after the numbers: "readings", "s". */
  unit?: string;
  stream?: NodeJS.WriteStream;
}

const WIDTH = 28;

export function progressBar(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update: () => undefined, finish: () => undefined };
  const tty = stream.isTTY === true;
  const startedAt = Date.now();
  let drawnAt = 0;
  let last = 0;
  const line = (done: number) => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 && done < total ? ` eta ${formatSeconds((total - done) / rate)}` : '';
    const filled = Math.round(share * WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
    return (
      `${label} ${bar} ${(share * 100).toFixed(0).padStart(3)}% ${compact(done)}/${compact(total)}` +
      `${options.unit ? ` ${options.unit}` : ''} ${compact(rate)}/s ${formatSeconds(elapsed)}${eta}`
    );
  };
  return {
    update(done) {
      last = done;
      const now = Date.now();
      if (done >= total || now - drawnAt < (tty ? 100 : 10_000)) return;
      drawnAt = now;
      stream.write(tty ? `\r${line(done)}\x1b[K` : `${line(done)}\n`);
    },
    finish(done = last) {
      stream.write(tty ? `\r${line(done)}\x1b[K\n` : `${line(done)}\n`);
    },
  };
}

function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

function formatSeconds(seconds: number): string {
  return seconds >= 120
    ? `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
    : `${seconds.toFixed(0)}s`;
}
