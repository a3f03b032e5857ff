import type { OperState } from './types.js';

/** IFF_* bits from <linux/if.h>. */
export const Iff = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
} as const;

/** The order in which iproute2's print_link_flags() names the bits. */
const ipOrder = [
  'LOOPBACK',
  'BROADCAST',
  'POINTOPOINT',
  'MULTICAST',
  'NOARP',
  'ALLMULTI',
  'PROMISC',
  'MASTER',
  'SLAVE',
  'DEBUG',
  'DYNAMIC',
  'AUTOMEDIA',
  'PORTSEL',
  'NOTRAILERS',
  'UP',
  'LOWER_UP',
  'DORMANT',
  'ECHO',
] as const satisfies readonly (keyof typeof Iff)[];

/**
 * The flags netlink would report (dev_get_flags()), rebuilt from sysfs. /sys/.../flags holds
 * dev->flags, which lacks RUNNING, LOWER_UP and DORMANT: the kernel adds those from the
 * operational state, the carrier and the dormant bit, but only while the link is up.
 */
export function effectiveFlags(
  adminFlags: number,
  state: { operState: OperState; carrier: boolean | undefined; dormant: boolean | undefined },
): number {
  let flags = adminFlags & ~(Iff.RUNNING | Iff.LOWER_UP | Iff.DORMANT);
  if (adminFlags & Iff.UP) {
    if (state.operState === 'up' || state.operState === 'unknown') flags |= Iff.RUNNING;
    if (state.carrier === true) flags |= Iff.LOWER_UP;
    if (state.dormant === true) flags |= Iff.DORMANT;
  }
  return flags >>> 0;
}

/** Names the bits as `ip link` does, in its order; unknown bits are appended as hex. */
export function flagNames(flags: number): string[] {
  const names: string[] = [];
  if (flags & Iff.UP && !(flags & Iff.RUNNING)) names.push('NO-CARRIER');
  let rest = flags & ~Iff.RUNNING;
  for (const name of ipOrder) {
    const bit = Iff[name];
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push((rest >>> 0).toString(16));
  return names;
}
