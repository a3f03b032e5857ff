import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layout scripts/bundle-cli.mjs gives dist/, read from the build: what each command's bundle
// holds (its source map's sources), and which lazily imported packages are chunks of their own.
// test/trace-names.test.ts checks, in the lab, which runs load the DNS chunk.
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const sources = (bundle: string): string[] =>
  (JSON.parse(readFileSync(join(dist, `${bundle}.cjs.map`), 'utf8')) as { sources: string[] }).sources;
const holds = (bundle: string, pkg: string) => sources(bundle).some((s) => s.includes(`/packages/${pkg}/`));

describe.skipIf(!existsSync(join(dist, 'trace.cjs')))('the command bundles (needs the build)', () => {
  it('trace keeps the DNS client and the IP data out, as chunks it imports; lookup holds the DNS client', () => {
    expect(holds('trace', 'dns-client')).toBe(false);
    expect(holds('trace', 'ip-info')).toBe(false);
    expect(holds('trace', 'ttl-prober')).toBe(true);
    const trace = readFileSync(join(dist, 'trace.cjs'), 'utf8');
    expect(trace).toContain('__netdiagImport("./chunks/dns-client.cjs")');
    expect(trace).toContain('__netdiagImport("./chunks/ip-info.cjs")');
    expect(holds('chunks/dns-client', 'dns-client')).toBe(true);
    expect(holds('chunks/ip-info', 'ip-info')).toBe(true);
    // A static import keeps the package inside, and no chunk of it is loaded.
    expect(holds('lookup', 'dns-client')).toBe(true);
    expect(readFileSync(join(dist, 'lookup.cjs'), 'utf8')).not.toContain('./chunks/dns-client.cjs');
  });

  it('the dispatcher holds only what picking and loading a bundle takes; each bundle holds the CLI', () => {
    // cli.cjs is compiled from source on every run (no code cache of its own): no package, and
    // none of the CLI's usage, streams or error reporting (src/run-cli.ts), which come cached.
    const own = sources('cli').map((s) => s.replace(/^.*\bsrc\//, ''));
    expect(own.sort()).toEqual(['cli.ts', 'command-names.ts', 'compile-cache.ts']);
    for (const bundle of ['trace', 'ping', 'help'])
      expect(sources(bundle).some((s) => s.endsWith('/src/run-cli.ts'))).toBe(true);
    expect(holds('help', 'ttl-prober')).toBe(false);
    expect(holds('help', 'ip-info')).toBe(false);
  });

  it('every bundle and chunk is written inside the function its loader calls', () => {
    const files = [
      ...readdirSync(dist).filter((f) => f.endsWith('.cjs') && f !== 'cli.cjs'),
      ...readdirSync(join(dist, 'chunks')).map((f) => `chunks/${f}`),
    ].filter((f) => f.endsWith('.cjs'));
    expect(files.length).toBeGreaterThan(9);
    for (const f of files)
      expect(readFileSync(join(dist, f), 'utf8').slice(0, 80), f).toMatch(
        /^\(function \(exports, require, module/,
      );
  });
});
