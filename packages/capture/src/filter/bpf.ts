// Classic BPF: instructions as bytes (struct bpf_insn, host order) and an interpreter with
// libpcap's bpf_filter semantics, for filtering packets read from files (`-r FILE EXPR`) and the
// frames a kernel filter could not judge. Pure; tested against libpcap's own bpf_filter.

/** One struct bpf_insn. */
export interface BpfInstruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** A compiled program: its bytes (for SO_ATTACH_FILTER, pcap files) and its instructions. */
export interface BpfProgram {
  readonly bytes: Uint8Array;
  readonly instructions: readonly BpfInstruction[];
}

// Host order: struct bpf_insn as libpcap and the kernel lay it out (x86 and arm64 alike).
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function decodeProgram(bytes: Uint8Array): BpfProgram {
  if (bytes.length % 8 !== 0) throw new RangeError('a BPF program is a whole number of 8-byte instructions');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const instructions: BpfInstruction[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    instructions.push({
      code: view.getUint16(at, LITTLE_ENDIAN),
      jt: view.getUint8(at + 2),
      jf: view.getUint8(at + 3),
      k: view.getUint32(at + 4, LITTLE_ENDIAN),
    });
  }
  return { bytes, instructions };
}

export function encodeProgram(instructions: readonly BpfInstruction[]): BpfProgram {
  const bytes = new Uint8Array(instructions.length * 8);
  const view = new DataView(bytes.buffer);
  instructions.forEach((insn, i) => {
    view.setUint16(i * 8, insn.code, LITTLE_ENDIAN);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k >>> 0, LITTLE_ENDIAN);
  });
  return { bytes, instructions };
}

// Opcodes (pcap/bpf.h): class | size | mode, class | op | source.
export const BPF = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  RET: 0x06,
  MISC: 0x07,
  W: 0x00,
  H: 0x08,
  B: 0x10,
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  LEN: 0x80,
  MSH: 0xa0,
  K: 0x00,
  X: 0x08,
  A: 0x10,
} as const;

/**
 * The scratch memory M[0..15], shared by every run: libpcap's compiler stores before it loads, and
 * runs never interleave (the interpreter is synchronous), so no run sees another's words. A
 * fresh array per packet cost a third of filtering a file (allocation and GC).
 */
const scratch = new Uint32Array(16);

/**
 * Runs the program over a packet as libpcap's bpf_filter does: the return value is 0 (rejected)
 * or the number of bytes to keep. `wireLength` is the length on the wire (BPF_LEN), the packet
 * what was captured; a load past its end rejects. An empty program accepts everything.
 */
export function runBpf(program: readonly BpfInstruction[], packet: Uint8Array, wireLength: number): number {
  if (program.length === 0) return 0xffffffff;
  const buflen = packet.length;
  const mem = scratch;
  let a = 0;
  let x = 0;
  let pc = 0;
  for (;;) {
    const insn = program[pc];
    if (insn === undefined) return 0;
    const k = insn.k;
    switch (insn.code) {
      case 0x06: // ret #k
        return k;
      case 0x16: // ret a
        return a;
      case 0x20: // ld [k]
        if (k > buflen || 4 > buflen - k) return 0;
        a = ((packet[k]! << 24) | (packet[k + 1]! << 16) | (packet[k + 2]! << 8) | packet[k + 3]!) >>> 0;
        break;
      case 0x28: // ldh [k]
        if (k > buflen || 2 > buflen - k) return 0;
        a = (packet[k]! << 8) | packet[k + 1]!;
        break;
      case 0x30: // ldb [k]
        if (k >= buflen) return 0;
        a = packet[k]!;
        break;
      case 0x80: // ld #len
        a = wireLength >>> 0;
        break;
      case 0x81: // ldx #len
        x = wireLength >>> 0;
        break;
      case 0x40: {
        // ld [x + k]
        if (k > buflen || x > buflen - k || 4 > buflen - k - x) return 0;
        const i = x + k;
        a = ((packet[i]! << 24) | (packet[i + 1]! << 16) | (packet[i + 2]! << 8) | packet[i + 3]!) >>> 0;
        break;
      }
      case 0x48: {
        // ldh [x + k]
        if (k > buflen || x > buflen - k || 2 > buflen - k - x) return 0;
        const i = x + k;
        a = (packet[i]! << 8) | packet[i + 1]!;
        break;
      }
      case 0x50: // ldb [x + k]
        if (k >= buflen || x >= buflen - k) return 0;
        a = packet[x + k]!;
        break;
      case 0xb1: // ldxb 4*([k]&0xf)
        if (k >= buflen) return 0;
        x = (packet[k]! & 0xf) << 2;
        break;
      case 0x00: // ld #k
        a = k;
        break;
      case 0x01: // ldx #k
        x = k;
        break;
      case 0x60: // ld M[k]
        if (k > 15) return 0;
        a = mem[k]!;
        break;
      case 0x61: // ldx M[k]
        if (k > 15) return 0;
        x = mem[k]!;
        break;
      case 0x02: // st M[k]
        if (k > 15) return 0;
        mem[k] = a;
        break;
      case 0x03: // stx M[k]
        if (k > 15) return 0;
        mem[k] = x;
        break;
      case 0x05: // ja: sign-extended, as libpcap's bpf_filter does ("ip6 protochain" jumps back)
        pc += k | 0;
        break;
      case 0x15: // jeq #k
        pc += a === k ? insn.jt : insn.jf;
        break;
      case 0x25: // jgt #k
        pc += a > k ? insn.jt : insn.jf;
        break;
      case 0x35: // jge #k
        pc += a >= k ? insn.jt : insn.jf;
        break;
      case 0x45: // jset #k
        pc += (a & k) !== 0 ? insn.jt : insn.jf;
        break;
      case 0x1d: // jeq x
        pc += a === x ? insn.jt : insn.jf;
        break;
      case 0x2d: // jgt x
        pc += a > x ? insn.jt : insn.jf;
        break;
      case 0x3d: // jge x
        pc += a >= x ? insn.jt : insn.jf;
        break;
      case 0x4d: // jset x
        pc += (a & x) !== 0 ? insn.jt : insn.jf;
        break;
      case 0x0c: // add x
        a = (a + x) >>> 0;
        break;
      case 0x1c: // sub x
        a = (a - x) >>> 0;
        break;
      case 0x2c: // mul x
        a = Math.imul(a, x) >>> 0;
        break;
      case 0x3c: // div x
        if (x === 0) return 0;
        a = Math.floor(a / x) >>> 0;
        break;
      case 0x9c: // mod x
        if (x === 0) return 0;
        a = (a % x) >>> 0;
        break;
      case 0x5c: // and x
        a = (a & x) >>> 0;
        break;
      case 0x4c: // or x
        a = (a | x) >>> 0;
        break;
      case 0xac: // xor x
        a = (a ^ x) >>> 0;
        break;
      case 0x6c: // lsh x
        a = x < 32 ? (a << x) >>> 0 : 0;
        break;
      case 0x7c: // rsh x
        a = x < 32 ? a >>> x : 0;
        break;
      case 0x04: // add #k
        a = (a + k) >>> 0;
        break;
      case 0x14: // sub #k
        a = (a - k) >>> 0;
        break;
      case 0x24: // mul #k
        a = Math.imul(a, k) >>> 0;
        break;
      case 0x34: // div #k
        if (k === 0) return 0;
        a = Math.floor(a / k) >>> 0;
        break;
      case 0x94: // mod #k
        if (k === 0) return 0;
        a = (a % k) >>> 0;
        break;
      case 0x54: // and #k
        a = (a & k) >>> 0;
        break;
      case 0x44: // or #k
        a = (a | k) >>> 0;
        break;
      case 0xa4: // xor #k
        a = (a ^ k) >>> 0;
        break;
      case 0x64: // lsh #k
        a = k < 32 ? (a << k) >>> 0 : 0;
        break;
      case 0x74: // rsh #k
        a = k < 32 ? a >>> k : 0;
        break;
      case 0x84: // neg
        a = -a >>> 0;
        break;
      case 0x07: // tax
        x = a;
        break;
      case 0x87: // txa
        a = x;
        break;
      default:
        // An opcode libpcap's compiler never emits (or the kernel's extensions): reject, as
        // bpf_filter does for what it does not know.
        return 0;
    }
    pc++;
  }
}

/** Whether the kernel would refuse the program: it takes no backward jump ("ip6 protochain"). */
export function jumpsBackward(program: readonly BpfInstruction[]): boolean {
  return program.some((insn) => insn.code === 0x05 && (insn.k | 0) < 0);
}
