import type { Neighbour } from './neighbour.js';

export class ProcNetArpParseError extends Error {
  override readonly name = 'ProcNetArpParseError';
  constructor(
    readonly line: number,
    readonly text: string,
  ) {
    super(`/proc/net/arp line ${line}: cannot parse ${JSON.stringify(text.slice(0, 80))}`);
  }
}

// <linux/if_arp.h>
const ATF_COM = 0x02;
const ATF_PERM = 0x04;
const ATF_PUBL = 0x08;

/**
 * Parses /proc/net/arp: "IP address, HW type, Flags, HW address, Mask, Device". The kernel
 * writes ATF_PERM|ATF_COM for permanent entries, ATF_COM for any other valid one, 0 for
 * incomplete or failed ones, and ATF_PUBL for proxy entries; it skips NOARP entries.
 */
export function parseProcNetArp(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const [address, hwType, flagsText, mac, mask, device] = f;
    if (
      f.length !== 6 ||
      !/^\d{1,3}(\.\d{1,3}){3}$/.test(address!) ||
      !/^0x[0-9a-f]+$/i.test(hwType!) ||
      !/^0x[0-9a-f]+$/i.test(flagsText!) ||
      !/^[0-9a-f]{2}(:[0-9a-f]{2})*$/i.test(mac!) ||
      mask === undefined ||
      device === undefined
    ) {
      throw new ProcNetArpParseError(i + 1, line);
    }
    const flags = Number.parseInt(flagsText!.slice(2), 16);
    const proxy = (flags & ATF_PUBL) !== 0;
    const state = flags & ATF_PERM ? 'permanent' : flags & ATF_COM ? 'resolved' : 'unresolved';
    out.push({
      family: 'inet',
      address: address!,
      interface: device,
      ...(state !== 'unresolved' && !proxy ? { mac: mac!.toLowerCase() } : {}),
      state,
      ...(proxy ? { proxy: true as const } : {}),
    });
  }
  return out;
}
