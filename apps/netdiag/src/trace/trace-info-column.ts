/** The widest a hop's owner column gets in the report: an AS and the start of its name. */
const MAX_WIDTH = 26;

/**
 * The report's owner column (-z, -y): as wide as its longest text, up to MAX_WIDTH, then a space;
 * nothing at all without -z or -y.
 */
export function infoColumn(
  hops: readonly { responders: readonly { address: string }[] }[],
  infoOf: ((address: string) => string) | undefined,
): { width: number; text(address: string | undefined): string } {
  if (infoOf === undefined) return { width: 0, text: () => '' };
  const texts = hops.flatMap((h) => h.responders.map((r) => infoOf(r.address)));
  const width = Math.min(MAX_WIDTH, Math.max(5, ...texts.map((t) => t.length))) + 1;
  return {
    width,
    text: (address) => {
      const t = address === undefined ? '' : infoOf(address);
      return (t.length > width - 1 ? `${t.slice(0, width - 2)}…` : t).padEnd(width);
    },
  };
}
