/**
 * smokeping_prober's default `--buckets`: 50 µs doubling 20 times to 26.2 s
 * (prometheus.ExponentialBuckets(0.00005, 2, 20)). Dashboards built for it read these `le` values.
 */
export const SMOKEPING_BUCKETS: readonly number[] = Array.from({ length: 20 }, (_, i) => 0.00005 * 2 ** i);

/** The agent's own scheduling delay: 10 µs to about 10 s. */
export const DELAY_BUCKETS: readonly number[] = [
  0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
];
