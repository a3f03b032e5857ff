/** The Node.js lines netdiag is tested and measured on (scripts/node-lines.mjs). */
export interface NodeLine {
  readonly major: number;
  /** The node binary. */
  readonly node: string;
  /** Where the line's include/node headers are; undefined for the running Node. */
  readonly home: string | undefined;
}
export const LTS_MAJOR: number;
export function ltsPrefix(): string;
/** The running Node first, then the LTS line where it is installed and another line. */
export function nodeLines(): NodeLine[];
