import { MethodSelection } from '../../../pipelines/forecast/methodSelection';
import { TypedArena } from '../../../pipelines/forecast/typedArena';

describe('MethodSelection', () => {
  it('publishes persistence until there are errors, and on a tie', () => {
    const selection = new MethodSelection(3, 4, new TypedArena());
    expect(selection.best()).toBe(0);
    for (const method of [0, 1, 2]) selection.record(10, method, 5);
    expect(selection.best()).toBe(0);
  });

  it('picks the smallest mean absolute error, the best skill', () => {
    const selection = new MethodSelection(3, 4, new TypedArena());
    for (let k = 0; k < 4; k++) {
      selection.record(k, 0, 10);
      selection.record(k, 1, k % 2 === 0 ? 12 : -4);
      selection.record(k, 2, -9);
    }
    expect(selection.best()).toBe(1);
  });

  it('weighs recent errors more: a method that got better wins after a few half-lives', () => {
    const selection = new MethodSelection(2, 4, new TypedArena());
    // Method 1 is far worse for 40 intervals, then better by a little.
    for (let k = 0; k < 40; k++) {
      selection.record(k, 0, 2);
      selection.record(k, 1, 20);
    }
    const winnerAfter: number[] = [];
    for (let k = 40; k < 80; k++) {
      selection.record(k, 0, 2);
      selection.record(k, 1, 1);
      winnerAfter.push(selection.best());
    }
    // Equal weights would take 720 intervals; halving every 4, about 14.
    expect(winnerAfter.indexOf(1)).toBeGreaterThan(8);
    expect(winnerAfter.indexOf(1)).toBeLessThan(20);
    expect(winnerAfter.slice(20).every((m) => m === 1)).toBe(true);
  });
});
