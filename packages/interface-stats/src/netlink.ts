import { constants as osConstants } from 'node:os';
import { formatIpv6 } from './if-inet6.js';

/**
 * Netlink framing (RFC 3549, <linux/netlink.h>): messages and attributes, pure over bytes, in
 * host byte order (little-endian on every platform netdiag runs on). Decoding assumes hostile
 * bytes: lengths are checked against what is there, and a failure names what was wrong.
 */

export const NlMsgType = { Noop: 1, Error: 2, Done: 3 } as const;
export const NlmFlags = {
  Request: 0x1,
  Multi: 0x2,
  Ack: 0x4,
  Root: 0x100,
  Match: 0x200,
  Dump: 0x300,
} as const;

export const nlmsgHeaderLength = 16;

export interface NetlinkMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  /** The bytes after the 16-byte header, up to the message's own length. */
  readonly payload: Uint8Array;
}

export class NetlinkDecodeError extends Error {
  override readonly name = 'NetlinkDecodeError';
}

const align4 = (n: number) => (n + 3) & ~3;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Splits one datagram into its messages. */
export function decodeNetlinkMessages(datagram: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  const v = view(datagram);
  let at = 0;
  while (at < datagram.length) {
    if (datagram.length - at < nlmsgHeaderLength) {
      throw new NetlinkDecodeError(
        `netlink header needs 16 bytes at offset ${at}, ${datagram.length - at} left`,
      );
    }
    const len = v.getUint32(at, true);
    if (len < nlmsgHeaderLength || len > datagram.length - at) {
      throw new NetlinkDecodeError(
        `netlink message length ${len} at offset ${at} does not fit the ${datagram.length - at} bytes left`,
      );
    }
    out.push({
      type: v.getUint16(at + 4, true),
      flags: v.getUint16(at + 6, true),
      seq: v.getUint32(at + 8, true),
      pid: v.getUint32(at + 12, true),
      payload: datagram.subarray(at + nlmsgHeaderLength, at + len),
    });
    at += align4(len);
  }
  return out;
}

export function encodeNetlinkMessage(m: {
  type: number;
  flags: number;
  seq: number;
  pid?: number;
  payload: Uint8Array;
}): Uint8Array {
  const out = new Uint8Array(nlmsgHeaderLength + align4(m.payload.length));
  const v = view(out);
  v.setUint32(0, nlmsgHeaderLength + m.payload.length, true);
  v.setUint16(4, m.type, true);
  v.setUint16(6, m.flags, true);
  v.setUint32(8, m.seq >>> 0, true);
  v.setUint32(12, (m.pid ?? 0) >>> 0, true);
  out.set(m.payload, nlmsgHeaderLength);
  return out;
}

/** The errno an NLMSG_ERROR carries (0 is an acknowledgement). */
export function decodeNetlinkError(payload: Uint8Array): number {
  if (payload.length < 4) throw new NetlinkDecodeError(`NLMSG_ERROR needs 4 bytes, got ${payload.length}`);
  return -view(payload).getInt32(0, true);
}

/** Attributes (struct rtattr / nlattr) by type; a later duplicate wins, as in the kernel's parser. */
export function decodeAttributes(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const v = view(bytes);
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = v.getUint16(at, true);
    // NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the top bits of the type.
    const type = v.getUint16(at + 2, true) & 0x3fff;
    if (len < 4 || len > bytes.length - at) {
      throw new NetlinkDecodeError(
        `attribute length ${len} at offset ${at} does not fit the ${bytes.length - at} bytes left`,
      );
    }
    out.set(type, bytes.subarray(at + 4, at + len));
    at += align4(len);
  }
  return out;
}

export function encodeAttribute(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(align4(4 + data.length));
  const v = view(out);
  v.setUint16(0, 4 + data.length, true);
  v.setUint16(2, type, true);
  out.set(data, 4);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The address families rtnetlink messages carry (struct ifaddrmsg, ndmsg, rtmsg: the first byte). */
export const RtFamily = { Inet: 2, Inet6: 10 } as const;

/** An IPv4 or IPv6 address attribute (IFA_LOCAL, NDA_DST, ...) as text; its length must fit the family. */
export function decodeIpAttribute(bytes: Uint8Array, family: number): string {
  if (family === RtFamily.Inet && bytes.length === 4) return bytes.join('.');
  if (family === RtFamily.Inet6 && bytes.length === 16)
    return formatIpv6(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
  throw new NetlinkDecodeError(`address of ${bytes.length} bytes for family ${family}`);
}

/** A NUL-terminated attribute string (IFA_LABEL, IFLA_IFNAME). */
export function attributeString(data: Uint8Array): string {
  const end = data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? data : data.subarray(0, end));
}

export function attributeU32(data: Uint8Array): number | undefined {
  return data.length >= 4 ? view(data).getUint32(0, true) : undefined;
}

/**
 * A netlink socket as the dump needs it: NETLINK_ROUTE, connected to the kernel. The socket
 * layer (`@netdiag/probe-socket`) provides it; tests script it.
 */
export interface NetlinkSocket {
  send(message: Uint8Array): Promise<unknown>;
  onMessage(listener: (datagram: Uint8Array) => void): () => void;
}

const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, value]) => [value, name]));

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  readonly code: string;
  constructor(
    readonly errno: number,
    what: string,
  ) {
    const code = errnoNames.get(errno) ?? `E${errno}`;
    super(`netlink ${what}: ${code}`);
    this.code = code;
  }
}

// Sequence numbers only tell concurrent dumps on one socket apart; any distinct values do.
let nextSeq = (Date.now() & 0x7fffffff) >>> 0;

/**
 * Sends a dump request and collects every message of the answer up to NLMSG_DONE (matched by
 * sequence number, so a shared socket is fine). Rejects on NLMSG_ERROR or after `timeoutMs`.
 */
export function netlinkDump(
  socket: NetlinkSocket,
  type: number,
  payload: Uint8Array,
  timeoutMs = 2000,
): Promise<NetlinkMessage[]> {
  nextSeq = (nextSeq + 1) >>> 0;
  const seq = nextSeq;
  return new Promise((resolve, reject) => {
    const got: NetlinkMessage[] = [];
    const timer = setTimeout(
      () => finish(() => reject(new NetlinkError(110, `dump of type ${type} timed out`))),
      timeoutMs,
    );
    let stop: () => void = () => {};
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      stop();
      fn();
    };
    stop = socket.onMessage((datagram) => {
      let messages: NetlinkMessage[];
      try {
        messages = decodeNetlinkMessages(datagram);
      } catch (err) {
        finish(() => reject(err));
        return;
      }
      for (const m of messages) {
        if (m.seq !== seq) continue;
        if (m.type === NlMsgType.Done) return finish(() => resolve(got));
        if (m.type === NlMsgType.Error) {
          const errno = decodeNetlinkError(m.payload);
          return finish(() =>
            errno === 0 ? resolve(got) : reject(new NetlinkError(errno, `dump of type ${type}`)),
          );
        }
        got.push(m);
      }
    });
    socket
      .send(encodeNetlinkMessage({ type, flags: NlmFlags.Request | NlmFlags.Dump, seq, payload }))
      .catch((err: unknown) => finish(() => reject(err)));
  });
}

/** A dump decoded message by message; `decode` returns undefined for what it skips. */
export async function netlinkDumpDecoded<T>(
  socket: NetlinkSocket,
  type: number,
  payload: Uint8Array,
  decode: (m: NetlinkMessage) => T | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for (const m of await netlinkDump(socket, type, payload)) {
    const v = decode(m);
    if (v !== undefined) out.push(v);
  }
  return out;
}
