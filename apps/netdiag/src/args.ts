import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with its errors turned into one-line usage errors. */
export function parseCommandArgs<O extends Options>(
  command: string,
  args: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg =
      err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    throw new UsageError(`${command}: ${msg}; see 'netdiag ${command} --help'`);
  }
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
