const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * A sparkline of RTTs scaled between the window's own minimum and maximum, with losses as `!`.
 * Text only, so it is tested without a terminal and reused by every view.
 */
export function sparkline(samples: readonly (number | 'lost')[], width: number): string {
  const window = samples.slice(-width);
  const values = window.filter((s): s is number => s !== 'lost');
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo;
  return window
    .map((s) => {
      if (s === 'lost') return '!';
      if (!(span > 0)) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.floor(((s - lo) / span) * BARS.length))];
    })
    .join('');
}
