import { incompleteWindows } from './incompleteWindows';
import { LagSample } from './runSampler';

export interface SoakFigures {
  /** Samples from the first complete window's statuses to the end of sending. */
  steadySamples: number;
  steadyFromMs: number;
  steadyToMs: number;
  rss: Trend;
  heapUsed: Trend;
  lag: {
    max: number;
    mean: number;
    /** The lag just after each commit seen in the steady state: [time, records]. */
    troughs: [number, number][];
    /** Least-squares slope of the troughs over the last half, records per minute. */
    lastHalfSlopePerMinute: number;
    /** How far that trend line rises over the last half's duration, records. */
    lastHalfRise: number;
    /** A quarter of the records produced in a window: the most the troughs may rise. */
    allowedRise: number;
    /** The troughs rise less than allowed over the last half: the consumer takes in what is produced. */
    bounded: boolean;
  };
  windows: { measured: number; complete: number; incomplete: { windowEnd: number; statuses: number }[] };
}

export interface Trend {
  /** Mean of the first three steady samples, bytes. */
  startBytes: number;
  /** Mean of the last three steady samples, bytes. */
  endBytes: number;
  /** Least-squares slope over the steady samples. */
  slopeMbPerMinute: number;
  maxBytes: number;
}

/**
 * What a soak run shows, from its samples (pure): memory at the start and end of steady
 * state and its slope, the consumer lag's peak and whether it trends upward over the last
 * half, and whether each measured window got a status for every group.
 *
 * The lag is the committed offsets' (runSampler.ts). It saw-tooths: it climbs by what is
 * produced while a window is open and drops when the window's outputs are written and its
 * offsets committed. So its peaks say little, and a rise is judged on its troughs (the
 * lag just after each commit): when their trend climbs by more than a quarter of a
 * window's records over the last half, the consumer is not taking in what is produced.
 * Judged against the largest lag instead, a pipeline that fell 4.7 minutes behind and kept
 * falling had passed (the soak of 2026-12-07, 08:47). With fewer than two troughs in the
 * last half, the steady state's troughs; with fewer than two there, the samples themselves.
 */
export function soakFigures(
  samples: readonly LagSample[],
  steady: { fromMs: number; toMs: number },
  windows: { statusesPerWindow: readonly [number, number][]; groups: number },
  production: { windowMs: number; recordsPerSecond: number },
): SoakFigures {
  const inSteady = samples.filter((s) => s.t >= steady.fromMs && s.t <= steady.toMs);
  const lagged = inSteady.filter((s) => Number.isFinite(s.lag));
  const troughs = lagTroughs(lagged);
  const halfway = (steady.fromMs + steady.toMs) / 2;
  const lastHalfTroughs = troughs.filter(([t]) => t >= halfway);
  const trended: [number, number][] =
    lastHalfTroughs.length > 1
      ? lastHalfTroughs
      : troughs.length > 1
        ? troughs
        : lagged.slice(Math.floor(lagged.length / 2)).map((s) => [s.t, s.lag]);
  const lagSlope = slopePerMs(trended);
  const maxLag = lagged.reduce((max, s) => Math.max(max, s.lag), 0);
  const rise = Math.round(lagSlope * (steady.toMs - halfway));
  const allowedRise = Math.round((0.25 * production.recordsPerSecond * production.windowMs) / 1000);
  const incomplete = incompleteWindows(windows.statusesPerWindow, windows.groups);
  return {
    steadySamples: inSteady.length,
    steadyFromMs: steady.fromMs,
    steadyToMs: steady.toMs,
    rss: trend(inSteady.map((s) => [s.t, s.rss])),
    heapUsed: trend(inSteady.map((s) => [s.t, s.heapUsed])),
    lag: {
      max: maxLag,
      mean: Math.round(lagged.reduce((sum, s) => sum + s.lag, 0) / Math.max(1, lagged.length)),
      troughs,
      lastHalfSlopePerMinute: Math.round(lagSlope * 60_000),
      lastHalfRise: rise,
      allowedRise,
      bounded: rise < allowedRise || maxLag === 0,
    },
    windows: {
      measured: windows.statusesPerWindow.length,
      complete: windows.statusesPerWindow.length - incomplete.length,
      incomplete,
    },
  };
}

function trend(points: [number, number][]): Trend {
  const mean = (values: [number, number][]) =>
    Math.round(values.reduce((sum, [, v]) => sum + v, 0) / Math.max(1, values.length));
  return {
    startBytes: mean(points.slice(0, 3)),
    endBytes: mean(points.slice(-3)),
    slopeMbPerMinute: Math.round(slopePerMs(points) * 60_000 * 1e-6 * 100) / 100,
    maxBytes: points.reduce((max, [, v]) => Math.max(max, v), 0),
  };
}

/**
 * The lag just after each commit: each sample below the one before and not above the one
 * after. Not the least of each window-long span: a pipeline behind commits less often than
 * once a window of wall-clock time (every 100 s at 08:47), and a span without a commit has
 * no trough.
 */
function lagTroughs(lagged: readonly LagSample[]): [number, number][] {
  const troughs: [number, number][] = [];
  for (let i = 1; i < lagged.length; i++) {
    const { t, lag } = lagged[i]!;
    if (lag < lagged[i - 1]!.lag && (i + 1 === lagged.length || lag <= lagged[i + 1]!.lag))
      troughs.push([t, lag]);
  }
  return troughs;
}

/** Least-squares slope of y over t (per ms); 0 with fewer than two points. */
export function slopePerMs(points: readonly [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const meanT = points.reduce((sum, [t]) => sum + t, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [t, y] of points) {
    covariance += (t - meanT) * (y - meanY);
    variance += (t - meanT) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}
