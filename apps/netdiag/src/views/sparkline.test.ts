import { describe, expect, it } from 'vitest';
import { sparkline } from './sparkline.js';

describe('sparkline', () => {
  it('scales between the window minimum and maximum over eight bars', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8], 9)).toBe('▁▂▃▄▅▆▇██');
    expect(sparkline([10, 20], 2)).toBe('▁█');
    expect(sparkline([10, 15, 20], 3)).toBe('▁▅█');
  });
  it('draws a flat line at the baseline when all RTTs are equal, or for a single one', () => {
    expect(sparkline([5, 5, 5], 3)).toBe('▁▁▁');
    expect(sparkline([42], 10)).toBe('▁');
  });
  it('draws a loss as !, and only ! when everything was lost', () => {
    expect(sparkline([1, 'lost', 3], 3)).toBe('▁!█');
    expect(sparkline(['lost', 'lost'], 5)).toBe('!!');
  });
  it('keeps the most recent samples and scales over them alone', () => {
    expect(sparkline([1000, 1, 2], 2)).toBe('▁█');
    expect(sparkline([], 4)).toBe('');
  });
});
