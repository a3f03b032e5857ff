import { describe, expect, it } from 'vitest';
import { decodeProgram } from './bpf.js';
import { compileFilter, FilterError } from './filter.js';
import { kernelProgram } from './kernel-program.js';

const AD = (n: number) => (-0x1000 + n) >>> 0;

describe('the program the kernel runs on a capture socket', () => {
  it('is the program itself on a raw (Ethernet) socket', async () => {
    const f = await compileFilter('tcp port 80', { linkType: 1 });
    expect(Uint8Array.from(kernelProgram(f.program.instructions, 1, false)!)).toEqual(
      Uint8Array.from(f.program.bytes),
    );
  });

  it('reads SLL2 fields through the kernel ancillary loads and the payload from offset 0', async () => {
    const f = await compileFilter('ip and tcp port 80', { linkType: 276 });
    const k = kernelProgram(f.program.instructions, 276, true);
    expect(k).toBeDefined();
    const insns = decodeProgram(k!).instructions;
    // ldh [0] (the SLL2 protocol) becomes the skb protocol; ldb [29] (IPv4 protocol) becomes [9].
    expect(insns[0]).toMatchObject({ code: 0x28, k: AD(0) });
    expect(insns.some((i) => i.code === 0x30 && i.k === 9)).toBe(true);
    expect(f.image()[0]).toBe('(000) ldh      [0]');
  });

  it('maps SLL pkttype and protocol; a field the kernel cannot load sends the filter to userland', async () => {
    const inbound = await compileFilter('inbound', { linkType: 113 });
    const insns = decodeProgram(kernelProgram(inbound.program.instructions, 113, true)!).instructions;
    expect(insns[0]).toMatchObject({ k: AD(4) });
    const hatype = await compileFilter('link[2:2] == 1', { linkType: 113 });
    expect(kernelProgram(hatype.program.instructions, 113, true)).toBeUndefined();
  });
});

describe('filter errors', () => {
  it("carry libpcap's message and the offending token's position", async () => {
    const e = await compileFilter('tcp and port 80 80', { linkType: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FilterError);
    expect((e as FilterError).reason).toMatch(/syntax error/);
    expect((e as FilterError).token).toBe('80');
    expect((e as FilterError).position).toBe(16);
  });

  it('say when the expression ends too soon', async () => {
    const e = (await compileFilter('tcp and (udp', { linkType: 1 }).catch((x: unknown) => x)) as FilterError;
    expect(e.message).toBe("can't parse filter expression: syntax error (at the end of the expression)");
    expect(e.position).toBe('tcp and (udp'.length);
  });

  it('point at a quoted culprit', async () => {
    const e = (await compileFilter('tcp port 99999', { linkType: 1 }).catch(
      (x: unknown) => x,
    )) as FilterError;
    expect(e.reason).toBe('illegal port number 99999 > 65535');
    expect(e.position).toBe(9);
  });
});
