// A program compiled for a link type, as the kernel must run it on the capture socket. On a
// cooked socket (`-i any`) the kernel's view of a frame starts after the link header that libpcap
// (and packet-ring.cc) put in front, and the header's fields are the kernel's ancillary loads;
// this is libpcap's fix_program/fix_offset (pcap-linux.c), applied the same way.
import { type BpfInstruction, encodeProgram } from './bpf.js';

const SKF_AD_OFF = -0x1000;
const SKF_AD_PROTOCOL = 0;
const SKF_AD_PKTTYPE = 4;
const SKF_AD_IFINDEX = 8;
const SLL_HDR_LEN = 16;
const SLL2_HDR_LEN = 20;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

const ad = (offset: number) => (SKF_AD_OFF + offset) >>> 0;

/** libpcap's fix_offset: the new k, or undefined where the kernel cannot load that field. */
function fixOffset(k: number, linkType: number): number | undefined {
  if ((k | 0) >= SKF_AD_OFF && (k | 0) < 0) return k; // already an ancillary load
  if (linkType === LINKTYPE_LINUX_SLL2) {
    if (k >= SLL2_HDR_LEN) return k - SLL2_HDR_LEN;
    if (k === 0) return ad(SKF_AD_PROTOCOL);
    if (k === 4) return ad(SKF_AD_IFINDEX);
    if (k === 10) return ad(SKF_AD_PKTTYPE);
    return (k | 0) > 0 ? undefined : k;
  }
  if (k >= SLL_HDR_LEN) return k - SLL_HDR_LEN;
  if (k === 0) return ad(SKF_AD_PKTTYPE);
  if (k === 14) return ad(SKF_AD_PROTOCOL);
  return (k | 0) > 0 ? undefined : k;
}

/**
 * The program the kernel runs for a capture of `linkType` (`cooked`: a SOCK_DGRAM socket with the
 * header built in userland), or undefined when it reads a header field the kernel cannot give:
 * then the capture filters in userland, as libpcap does.
 */
export function kernelProgram(
  instructions: readonly BpfInstruction[],
  linkType: number,
  cooked: boolean,
): Uint8Array | undefined {
  if (!cooked) return encodeProgram(instructions).bytes;
  if (linkType !== LINKTYPE_LINUX_SLL && linkType !== LINKTYPE_LINUX_SLL2) return undefined;
  const fixed: BpfInstruction[] = [];
  for (const insn of instructions) {
    const cls = insn.code & 0x07;
    const mode = insn.code & 0xe0;
    // Loads from the packet: absolute, indirect and the IP header length (ldxb 4*([k]&0xf)).
    if ((cls === 0x00 || cls === 0x01) && (mode === 0x20 || mode === 0x40 || mode === 0xa0)) {
      const k = fixOffset(insn.k, linkType);
      if (k === undefined) return undefined;
      fixed.push({ ...insn, k });
    } else {
      fixed.push(insn);
    }
  }
  return encodeProgram(fixed).bytes;
}
