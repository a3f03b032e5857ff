import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs, quickParse } from './args.js';

// The options of a command with every kind: booleans (some repeatable), strings, shorts.
const options = {
  icmp: { type: 'boolean', short: 'I' },
  numeric: { type: 'boolean', short: 'n' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  count: { type: 'string', short: 'c' },
  port: { type: 'string', short: 'p' },
  source: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const word = fc.constantFrom(
  '-I',
  '-n',
  '-v',
  '-c',
  '-p',
  '-h',
  '-nI',
  '-vvn',
  '-Iv',
  '-c5',
  '-p80',
  '-nc',
  '-x',
  '-nx',
  '-',
  '--',
  '--icmp',
  '--numeric',
  '--verbose',
  '--count',
  '--count=3',
  '--port=',
  '--json',
  '--json=1',
  '--source',
  '--source=a',
  '--help',
  '--nope',
  '--count=-1',
  '-1',
  '192.0.2.1',
  'host',
  '5',
  '',
  '=x',
  '-=',
  '--=',
  '--constructor',
  '--__proto__',
  '-c-1',
);

/** parseArgs' answer: its result as plain data, or that it threw. */
function reference(args: string[], opts: typeof options) {
  try {
    const r = parseArgs({ args, options: opts, allowPositionals: true, strict: true });
    return { values: { ...r.values }, positionals: r.positionals };
  } catch {
    return 'error';
  }
}

describe('quickParse', () => {
  it('gives parseArgs answer wherever it answers, on generated command lines', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (args) => {
        const quick = quickParse(args, options);
        if (quick === undefined) return;
        answered++;
        expect(reference(args, options)).toEqual({
          values: { ...quick.values },
          positionals: quick.positionals,
        });
      }),
      { numRuns: 5000 },
    );
    // Not a test of nothing: it answered a good share of them itself.
    expect(answered).toBeGreaterThan(500);
  });

  it('answers the plain command lines, so that parseArgs is not loaded for them', () => {
    for (const args of [
      ['-n', '192.0.2.1'],
      ['-c', '1', '192.0.2.1'],
      ['-nI', '-p80', '--count=3', 'host'],
      ['--json', '-vv', 'host'],
    ])
      expect(quickParse(args, options), args.join(' ')).toBeDefined();
  });

  it('leaves bad input to parseArgs, whose message the user gets', () => {
    expect(quickParse(['--frobnicate'], options)).toBeUndefined();
    expect(() => parseCommandArgs('ping', ['--frobnicate'], options)).toThrow(
      /^ping: Unknown option '--frobnicate'; see 'netdiag ping --help'$/,
    );
    expect(() => parseCommandArgs('ping', ['-c'], options)).toThrow(
      /^ping: Option '-c, --count <value>' argument missing/,
    );
  });
});
