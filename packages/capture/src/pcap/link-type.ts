/** pcap LINKTYPE_* values (tcpdump.org/linktypes.html) for the link layers netdiag decodes. */
export const LinkType = {
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type DecodedLinkType = (typeof LinkType)[keyof typeof LinkType];

/** libpcap's names and descriptions, as `tcpdump -r` prints them ("link-type EN10MB (Ethernet)"). */
const NAMES: Record<number, readonly [string, string]> = {
  0: ['NULL', 'BSD loopback'],
  1: ['EN10MB', 'Ethernet'],
  12: ['RAW', 'Raw IP'],
  101: ['RAW', 'Raw IP'],
  105: ['IEEE802_11', '802.11'],
  108: ['LOOP', 'OpenBSD loopback'],
  113: ['LINUX_SLL', 'Linux cooked v1'],
  127: ['IEEE802_11_RADIO', '802.11 plus radiotap header'],
  228: ['IPV4', 'Raw IPv4'],
  229: ['IPV6', 'Raw IPv6'],
  253: ['NETLINK', 'Linux netlink'],
  276: ['LINUX_SLL2', 'Linux cooked v2'],
};

export function isDecodedLinkType(linkType: number): linkType is DecodedLinkType {
  return (
    linkType === 1 ||
    linkType === 101 ||
    linkType === 113 ||
    linkType === 228 ||
    linkType === 229 ||
    linkType === 276
  );
}

/** `EN10MB (Ethernet)`, or `LINKTYPE_n` for a type libpcap would not name either. */
export function linkTypeName(linkType: number): string {
  const n = NAMES[linkType];
  return n ? `${n[0]} (${n[1]})` : `${linkType}`;
}
