import { describe, expect, it } from 'vitest';
import { loadOuiTable, lookupVendor } from './oui.js';

describe('OUI vendor lookup', () => {
  const table = {
    '001B63': 'Apple, Inc.\n1 Infinite Loop\nCupertino CA 95014\nUnited States',
    '70B3D5': 'IEEE Registration Authority',
    '70B3D5123': 'Tiny\u001b[31mCorp\nSomewhere',
  };

  it('longest registered prefix wins, first line only, control characters removed', () => {
    expect(lookupVendor(table, '00:1b:63:01:02:03')).toEqual({
      kind: 'registered',
      vendor: 'Apple, Inc.',
      prefix: '001B63',
    });
    expect(lookupVendor(table, '70-B3-D5-12-34-56')).toEqual({
      kind: 'registered',
      vendor: 'Tiny [31mCorp',
      prefix: '70B3D5123',
    });
    expect(lookupVendor(table, '70:b3:d5:99:00:00')).toMatchObject({ vendor: 'IEEE Registration Authority' });
  });

  it('tells locally administered addresses from unregistered ones', () => {
    expect(lookupVendor(table, '02:00:00:00:00:01')).toEqual({ kind: 'locally-administered' });
    expect(lookupVendor(table, '00:00:01:00:00:01')).toEqual({ kind: 'unregistered' });
    expect(lookupVendor(table, 'nope')).toBeUndefined();
  });

  it('the oui-data registry loads and knows well-known blocks', async () => {
    const t = await loadOuiTable();
    expect(Object.keys(t).length).toBeGreaterThan(30_000);
    expect(lookupVendor(t, '00:00:0c:12:34:56')).toMatchObject({
      kind: 'registered',
      vendor: expect.stringMatching(/cisco/i),
    });
  });
});
