import type { LossSpec, RejectWith } from './spec.js';
import type { LabTopology, TopologyHost } from './topology.js';

/**
 * The nftables ruleset of one host: random loss, silence and rejection. One `inet` table per
 * namespace, so it goes away with the namespace and never touches the root namespace's rules.
 */
export const TABLE = 'netdiag_lab';

// IPv6 neighbour discovery is IPv6's ARP: dropping or rejecting it would break the link itself,
// which no lab feature means to model.
const ND =
  'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } accept';

const REJECT_V6: Record<RejectWith, string> = {
  'admin-prohibited': 'admin-prohibited',
  'host-unreachable': 'addr-unreachable',
  'net-unreachable': 'no-route',
  'port-unreachable': 'port-unreachable',
};

function lossRules(loss: Required<LossSpec>, iif: string | null): string[] {
  const on = iif ? `iifname "${iif}" ` : '';
  // mod 100 reads as the percentage itself; finer shares need mod 10000.
  const draw = Number.isInteger(loss.percent)
    ? `numgen random mod 100 < ${loss.percent}`
    : `numgen random mod 10000 < ${Math.round(loss.percent * 100)}`;
  if (loss.packets === 'echo-requests') {
    return [`${on}icmp type echo-request ${draw} drop`, `${on}icmpv6 type echo-request ${draw} drop`];
  }
  return [`${on}meta nfproto ipv4 ${draw} drop`, `${on}meta nfproto ipv6 ${draw} drop`];
}

export function firewallRules(h: TopologyHost, t: LabTopology): string | null {
  const chains: string[] = [];
  const prerouting: string[] = [];
  if (h.loss) prerouting.push(...lossRules(h.loss, null));
  for (const i of h.interfaces) {
    const loss = t.links[i.link]?.loss;
    if (loss) prerouting.push(...lossRules(loss, i.name));
  }
  if (prerouting.length > 0) {
    chains.push(chain('random_loss', 'prerouting', -150, [ND, ...prerouting]));
  }
  if (h.silent) {
    // Locally generated errors pass the output hook; forwarded traffic does not, so it still flows.
    chains.push(
      chain('silent_errors', 'output', 0, [
        'icmp type { time-exceeded, destination-unreachable, parameter-problem, redirect } drop',
        'icmpv6 type { time-exceeded, destination-unreachable, packet-too-big, parameter-problem, nd-redirect } drop',
      ]),
    );
  }
  if (h.reject) {
    chains.push(
      chain('reject_inbound', 'input', 0, [
        'iif lo accept',
        ND,
        `meta nfproto ipv4 reject with icmp type ${h.reject}`,
        `meta nfproto ipv6 reject with icmpv6 type ${REJECT_V6[h.reject]}`,
      ]),
    );
  }
  if (chains.length === 0) return null;
  return `table inet ${TABLE} {\n${chains.join('\n')}\n}\n`;
}

function chain(name: string, hook: string, priority: number, rules: string[]): string {
  return [
    `  chain ${name} {`,
    `    type filter hook ${hook} priority ${priority}; policy accept;`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ].join('\n');
}
