/** The two-sided interval holding `level` of Binomial(n, p): [lo, hi] counts of successes. */
export function binomialInterval(n: number, p: number, level: number): [number, number] {
  const pmf: number[] = [];
  let logC = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    pmf.push(Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p)));
  }
  const tail = (1 - level) / 2;
  let lo = 0;
  for (let acc = 0; acc + pmf[lo]! < tail; lo++) acc += pmf[lo]!;
  let hi = n;
  for (let acc = 0; acc + pmf[hi]! < tail; hi--) acc += pmf[hi]!;
  return [lo, hi];
}
