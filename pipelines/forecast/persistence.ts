import { Forecaster } from './forecaster';

/**
 * The baseline: every interval ahead will be like the last one with a value. Every
 * other method is judged against it (skill), and falls back to it while its own history
 * is too short.
 */
export class Persistence implements Forecaster {
  readonly frozenSize = 1;
  private last = NaN;

  update(_k: number, y: number): void {
    if (!Number.isNaN(y)) this.last = y;
  }

  freeze(into: Float64Array, at: number): void {
    into[at] = this.last;
  }

  pointAt(frozen: Float64Array, at: number): number {
    return frozen[at]!;
  }
}
