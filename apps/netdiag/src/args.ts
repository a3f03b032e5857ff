import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/**
 * node:util parseArgs with its errors turned into one-line usage errors. The plain command lines
 * of nearly every run are parsed here (quickParse), which gives parseArgs' own answer without
 * loading it: Node loads parse_args lazily, and loading it and its first, cold call cost 0.5 to
 * 0.7 ms of a 20 ms start-up on Node 24 (process.hrtime around it). Anything else (bad input,
 * `--` , option groups quickParse does not know) goes to parseArgs itself, for its answer and its
 * error messages; args.test.ts checks that the two agree on generated command lines.
 */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O): Parsed<O> {
  const quick = quickParse(args, options);
  if (quick !== undefined) return quick as Parsed<O>;
  // Reading parseArgs off node:util is what loads it (a lazy property): only here.
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg =
      err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    throw new UsageError(`${command}: ${msg}; see 'netdiag ${command} --help'`);
  }
}

/**
 * parseArgs' result (strict, positionals allowed) for command lines made only of known options
 * (`--long`, `--long=value`, `-s`, `-s value`, `-svalue`, groups of boolean shorts like `-nq`) and
 * positionals; undefined for anything else, left to parseArgs. A string option's value that
 * starts with '-' is undefined too (parseArgs calls it ambiguous), as are defaults.
 */
export function quickParse(
  args: readonly string[],
  options: Options,
): { values: Record<string, string | boolean | (string | boolean)[]>; positionals: string[] } | undefined {
  const shorts = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.default !== undefined) return undefined;
    if (o.short !== undefined) shorts.set(o.short, name);
  }
  const values: Record<string, string | boolean | (string | boolean)[]> = Object.create(null);
  const positionals: string[] = [];
  const set = (name: string, value: string | boolean) => {
    if (!options[name]!.multiple) values[name] = value;
    else if (Array.isArray(values[name])) values[name].push(value);
    else values[name] = [value];
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (arg.length < 2 || arg[0] !== '-') {
      positionals.push(arg);
      continue;
    }
    if (arg[1] === '-') {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const o = Object.hasOwn(options, name) ? options[name] : undefined;
      if (o === undefined) return undefined;
      if (o.type === 'boolean') {
        if (eq >= 0) return undefined;
        set(name, true);
      } else if (eq >= 0) set(name, arg.slice(eq + 1));
      else {
        const value = args[i + 1];
        if (value === undefined || value.startsWith('-')) return undefined;
        set(name, value);
        i++;
      }
      continue;
    }
    // One short option, with its value attached or next; or a group of boolean short options.
    const first = shorts.get(arg[1]!);
    if (first === undefined) return undefined;
    if (options[first]!.type === 'string') {
      if (arg.length > 2) set(first, arg.slice(2));
      else {
        const value = args[i + 1];
        if (value === undefined || value.startsWith('-')) return undefined;
        set(first, value);
        i++;
      }
      continue;
    }
    for (let k = 1; k < arg.length; k++) {
      const name = shorts.get(arg[k]!);
      if (name === undefined || options[name]!.type !== 'boolean') return undefined;
      set(name, true);
    }
  }
  return { values, positionals };
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** Parses a flag's number, or says in one line what was wrong with it. */
export function numberFlag(
  command: string,
  flag: string,
  text: string | undefined,
  rule: NumberRule = {},
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  const range =
    rule.max === undefined || rule.max >= Number.MAX_SAFE_INTEGER
      ? `at least ${rule.min ?? '-∞'}`
      : `${rule.min ?? '-∞'} to ${rule.max}`;
  if (text.trim() === '' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    throw new UsageError(
      `${command}: ${flag} takes ${rule.integer ? 'a whole number' : 'a number'}${rule.min !== undefined ? ` (${range})` : ''}, not '${text}'`,
    );
  }
  if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
    throw new UsageError(
      `${command}: ${flag} must be ${range.startsWith('at') ? range : `from ${range}`}, not ${text}`,
    );
  }
  return value;
}
