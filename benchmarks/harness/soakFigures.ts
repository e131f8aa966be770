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
    /** Least-squares slope over the last half of the steady samples, records per minute. */
    lastHalfSlopePerMinute: number;
    /** How far the trend line rises over the last half, records. */
    lastHalfRise: number;
    /** The rise over the last half is under a quarter of the largest lag: no upward trend beyond the saw-tooth. */
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
 */
export function soakFigures(
  samples: readonly LagSample[],
  steady: { fromMs: number; toMs: number },
  windows: { statusesPerWindow: readonly [number, number][]; groups: number },
): SoakFigures {
  const inSteady = samples.filter((s) => s.t >= steady.fromMs && s.t <= steady.toMs);
  const lagged = inSteady.filter((s) => Number.isFinite(s.lag));
  const lastHalf = lagged.slice(Math.floor(lagged.length / 2));
  const lagSlope = slopePerMs(lastHalf.map((s) => [s.t, s.lag]));
  const lastHalfMs = lastHalf.length > 1 ? lastHalf.at(-1)!.t - lastHalf[0]!.t : 0;
  const maxLag = lagged.reduce((max, s) => Math.max(max, s.lag), 0);
  const rise = Math.round(lagSlope * lastHalfMs);
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
      lastHalfSlopePerMinute: Math.round(lagSlope * 60_000),
      lastHalfRise: rise,
      bounded: rise < 0.25 * maxLag || maxLag === 0,
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
