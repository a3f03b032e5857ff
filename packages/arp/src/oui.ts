import { readFile } from 'node:fs/promises';
import { parseMac } from './mac.js';

/** IEEE assignments by prefix: 6 hex digits (MA-L, /24), 7 (MA-M, /28) or 9 (MA-S, /36). */
export type OuiTable = Readonly<Record<string, string>>;

export type VendorAnswer =
  | { readonly kind: 'registered'; readonly vendor: string; readonly prefix: string }
  /** The U/L bit is set: the address was made up locally (VMs, veth, randomised Wi-Fi MACs). */
  | { readonly kind: 'locally-administered' }
  | { readonly kind: 'unregistered' };

/** Control characters out, so that registry text reaching a terminal cannot drive it. */
function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
}

/** Looks a MAC address up: the longest registered prefix wins (an MA-S inside an MA-L block). */
export function lookupVendor(table: OuiTable, mac: string): VendorAnswer | undefined {
  const bytes = parseMac(mac);
  if (bytes === undefined) return undefined;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  for (const len of [9, 7, 6]) {
    const prefix = hex.slice(0, len);
    const entry = table[prefix];
    // The registry keeps the organisation's name on the first line, its address below.
    if (entry !== undefined) return { kind: 'registered', vendor: clean(entry.split('\n', 1)[0]!), prefix };
  }
  return bytes[0]! & 0x02 ? { kind: 'locally-administered' } : { kind: 'unregistered' };
}

/**
 * Loads the IEEE registry from the `oui-data` package (about 5 MB of JSON, ~50k entries): read
 * and parsed only when called, so `netdiag arp` without a scan never pays for it.
 */
export async function loadOuiTable(): Promise<OuiTable> {
  const path = process
    .getBuiltinModule('node:module')
    .createRequire(import.meta.url)
    .resolve('oui-data');
  return JSON.parse(await readFile(path, 'utf8')) as OuiTable;
}
