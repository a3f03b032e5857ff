import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { parseDuration } from './duration.js';

/** A config the agent refuses, with where: `FILE:LINE:COL: what`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Typed reading of a YAML document, every failure located by line and column. Readers take
 * the node and return the value; `fail` throws a ConfigError at the node.
 */
export class YamlReader {
  readonly root: Node | null;
  private readonly lines = new LineCounter();

  constructor(
    text: string,
    readonly file: string,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    const error = doc.errors[0];
    if (error) {
      const pos = this.lines.linePos(error.pos[0]);
      const where = `${Math.max(1, pos.line)}:${pos.col}`;
      throw new ConfigError(`${file}:${where}: ${error.message.split('\n')[0]}`);
    }
    this.root = doc.contents as Node | null;
  }

  where(node: Node | null | undefined): string {
    const offset = node?.range?.[0];
    if (offset === undefined) return `${this.file}`;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  fail(node: Node | null | undefined, message: string): never {
    throw new ConfigError(`${this.where(node)}: ${message}`);
  }

  /** The map's entries by key; a key not in `allowed` is an error (as blackbox's strict parsing). */
  map(node: Node | null | undefined, what: string, allowed?: readonly string[]): Map<string, Node> {
    if (!isMap(node)) this.fail(node, `${what} must be a mapping`);
    const out = new Map<string, Node>();
    for (const pair of (node as YAMLMap).items) {
      const key = pair.key as Node;
      if (!isScalar(key) || typeof key.value !== 'string') this.fail(key, `${what}: keys must be text`);
      const name = key.value as string;
      if (allowed && !allowed.includes(name))
        this.fail(key, `${what}: unknown field '${name}' (known: ${allowed.join(', ')})`);
      out.set(name, pair.value as Node);
    }
    return out;
  }

  seq(node: Node | null | undefined, what: string): Node[] {
    if (!isSeq(node)) this.fail(node, `${what} must be a list`);
    return node.items as Node[];
  }

  string(node: Node | null | undefined, what: string): string {
    if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number'))
      this.fail(node, `${what} must be text`);
    return String(node.value);
  }

  int(node: Node | null | undefined, what: string, min: number, max: number): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value))
      this.fail(node, `${what} must be a whole number`);
    const v = node.value as number;
    if (v < min || v > max) this.fail(node, `${what} must be ${min} to ${max}, not ${v}`);
    return v;
  }

  bool(node: Node | null | undefined, what: string): boolean {
    if (!isScalar(node) || typeof node.value !== 'boolean') this.fail(node, `${what} must be true or false`);
    return node.value as boolean;
  }

  /** A Prometheus duration in ms, at least `minMs`. */
  duration(node: Node | null | undefined, what: string, minMs: number): number {
    const text = this.string(node, what);
    const ms = parseDuration(text);
    if (ms === undefined) this.fail(node, `${what}: '${text}' is not a duration (like 500ms, 1s, 1m)`);
    if (ms < minMs) this.fail(node, `${what} must be at least ${minMs} ms, not ${text}`);
    return ms;
  }

  oneOf<T extends string>(node: Node | null | undefined, what: string, values: readonly T[]): T {
    const text = this.string(node, what);
    if (!values.includes(text as T))
      this.fail(node, `${what} must be one of ${values.join(', ')}, not '${text}'`);
    return text as T;
  }
}
