import { addon } from './addon.js';

/** SOL_*, SO_*, IP_*, IPV6_*, ETH_P_*, NETLINK_* as the addon's C headers define them. */
export function constants(): Readonly<Record<string, number>> {
  return addon().constants;
}
