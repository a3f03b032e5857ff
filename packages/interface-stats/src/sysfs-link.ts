import { effectiveFlags, flagNames } from './flags.js';
import { linkTypeName } from './link-type.js';
import type { Duplex, Link, OperState } from './types.js';

/** The files under /sys/class/net/<if>/ that make a Link. */
export const sysfsLinkFiles = [
  'ifindex',
  'iflink',
  'flags',
  'operstate',
  'mtu',
  'type',
  'address',
  'broadcast',
  'addr_len',
  'speed',
  'duplex',
  'carrier',
  'dormant',
  'tx_queue_len',
] as const;
export type SysfsLinkFile = (typeof sysfsLinkFiles)[number];

/**
 * File contents by name; undefined where the read failed. The kernel answers EINVAL for speed,
 * duplex and carrier while a link is down, and for speed on virtual links: that is "not
 * reported", not an error.
 */
export type SysfsLinkContents = Partial<Record<SysfsLinkFile, string | undefined>>;

export class SysfsParseError extends Error {
  override readonly name = 'SysfsParseError';
  constructor(
    readonly iface: string,
    readonly file: string,
    readonly text: string | undefined,
  ) {
    super(`/sys/class/net/${iface}/${file}: unexpected content ${JSON.stringify(text)}`);
  }
}

const operStates: ReadonlySet<string> = new Set([
  'unknown',
  'notpresent',
  'down',
  'lowerlayerdown',
  'testing',
  'dormant',
  'up',
]);

function integer(iface: string, file: SysfsLinkFile, text: string | undefined, radix = 10): number {
  const t = text?.trim();
  const valid = radix === 16 ? /^0x[0-9a-f]+$/i : /^-?\d+$/;
  if (t === undefined || !valid.test(t)) throw new SysfsParseError(iface, file, text);
  return Number.parseInt(radix === 16 ? t.slice(2) : t, radix);
}

function optionalInteger(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && /^-?\d+$/.test(t) ? Number.parseInt(t, 10) : undefined;
}

/** Parses one interface's sysfs files into a Link; throws SysfsParseError on a required file. */
export function parseSysfsLink(name: string, files: SysfsLinkContents): Link {
  const index = integer(name, 'ifindex', files.ifindex);
  const iflink = optionalInteger(files.iflink);
  const adminFlags = integer(name, 'flags', files.flags, 16);
  const operRaw = files.operstate?.trim() ?? '';
  if (!operStates.has(operRaw)) throw new SysfsParseError(name, 'operstate', files.operstate);
  const operState = operRaw as OperState;
  const carrier = optionalInteger(files.carrier);
  const dormant = optionalInteger(files.dormant);
  const flagBits = effectiveFlags(adminFlags, {
    operState,
    carrier: carrier === undefined ? undefined : carrier === 1,
    dormant: dormant === undefined ? undefined : dormant === 1,
  });
  const addrLen = optionalInteger(files.addr_len);
  // A link without a hardware address (tun, ipip) still has an empty `address` file.
  const mac = addrLen === 0 ? undefined : nonEmpty(files.address);
  const broadcast = addrLen === 0 ? undefined : nonEmpty(files.broadcast);
  const speed = optionalInteger(files.speed);
  const duplexRaw = files.duplex?.trim();
  const duplex: Duplex | undefined = duplexRaw === 'full' || duplexRaw === 'half' ? duplexRaw : undefined;
  const txQueueLength = optionalInteger(files.tx_queue_len);
  return {
    name,
    index,
    ...(iflink !== undefined && iflink !== index && iflink > 0 ? { linkIndex: iflink } : {}),
    flags: flagNames(flagBits),
    flagBits,
    operState,
    mtu: integer(name, 'mtu', files.mtu),
    linkType: linkTypeName(integer(name, 'type', files.type)),
    ...(mac !== undefined ? { mac } : {}),
    ...(broadcast !== undefined ? { broadcast } : {}),
    // -1 (SPEED_UNKNOWN) is how drivers say "no link speed to report".
    ...(speed !== undefined && speed > 0 ? { speedMbps: speed } : {}),
    ...(duplex !== undefined ? { duplex } : {}),
    ...(txQueueLength !== undefined ? { txQueueLength } : {}),
  };
}

function nonEmpty(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? t.toLowerCase() : undefined;
}
