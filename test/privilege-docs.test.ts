import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.js';

// Issue 16: a capability on the node binary gives raw sockets to every Node program on the
// machine. The README gives the ways that give it to netdiag alone, in the order of the issue.
describe('the README on permissions', () => {
  const readme = readFileSync(`${repoRoot}README.md`, 'utf8');

  it('never suggests setcap on node', () => {
    expect(readme).not.toMatch(/setcap[^\n]*node/);
    expect(readme).not.toMatch(/command -v node/);
  });

  it('lists nothing, then the helper, then a single executable', () => {
    const section = readme.slice(readme.indexOf('**Permissions.**'), readme.indexOf('## Library'));
    const order = ['1. **Nothing.**', '2. **The helper**', '3. **A single executable**'].map((h) =>
      section.indexOf(h),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(section).toContain('npm run install-helper');
    expect(section).toContain('netdiag --privileges');
  });
});
