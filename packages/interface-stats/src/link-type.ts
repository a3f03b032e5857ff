/** ARPHRD_* numbers to the names iproute2's ll_type_n2a() prints (the common ones). */
const arphrdNames: ReadonlyMap<number, string> = new Map([
  [0, 'netrom'],
  [1, 'ether'],
  [2, 'eether'],
  [3, 'ax25'],
  [6, 'ieee802'],
  [23, 'metricom'],
  [24, 'ieee1394'],
  [32, 'infiniband'],
  [256, 'slip'],
  [512, 'ppp'],
  [768, 'ipip'],
  [769, 'tunnel6'],
  [772, 'loopback'],
  [776, 'sit'],
  [778, 'gre'],
  [783, 'irda'],
  [801, 'ieee802.11'],
  [803, 'ieee802.11/radiotap'],
  [804, 'ieee802.15.4'],
  [823, 'gre6'],
  [824, 'netlink'],
  [825, '6lowpan'],
  [280, 'can'],
  [65534, 'none'],
  [65535, 'void'],
]);

export function linkTypeName(arphrd: number): string {
  return arphrdNames.get(arphrd) ?? `[${arphrd}]`;
}
