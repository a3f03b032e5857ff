import { CaptureFileWriter, formatStats } from '@netdiag/capture';
import { describe, expect, it } from 'vitest';
import { parseCaptureArgs } from './capture-args.js';
import { fileHeader } from './capture-output.js';

describe('netdiag capture arguments', () => {
  it("reads tcpdump's flags, repeated ones counted", () => {
    const o = parseCaptureArgs([
      '-nn',
      '-vvv',
      '-e',
      '-tttt',
      '-XX',
      '-i',
      'any',
      '-c',
      '5',
      'tcp',
      'port',
      '80',
    ]);
    expect(o).toMatchObject({
      numeric: 2,
      verbose: 3,
      link: true,
      timestamp: 4,
      hex: 'XX',
      interface: 'any',
      count: 5,
    });
    expect(o.expression).toBe('tcp port 80');
    expect(parseCaptureArgs(['-x']).hex).toBe('x');
    expect(parseCaptureArgs(['-xx']).hex).toBe('xx');
    expect(parseCaptureArgs(['-X']).hex).toBe('X');
    expect(parseCaptureArgs(['-s', '0']).snaplen).toBe(262144);
    expect(parseCaptureArgs(['-p', '-Q', 'in']).promiscuous).toBe(false);
    expect(parseCaptureArgs(['-#', '-A', '-q']).number).toBe(true);
    expect(parseCaptureArgs(['-ddd', '-O', '-S', '--nano', '-l', '-U'])).toMatchObject({
      dump: 3,
      optimize: false,
      absoluteTcpSequence: true,
      nanos: true,
    });
  });

  it('refuses what cannot be done, in one line', () => {
    expect(() => parseCaptureArgs(['-Q', 'up'])).toThrow("capture: -Q takes in, out or inout, not 'up'");
    expect(() => parseCaptureArgs(['-c', '0'])).toThrow(/-c/);
    expect(() => parseCaptureArgs(['-r', 'f', '-i', 'eth0'])).toThrow(/give one of them/);
    expect(() => parseCaptureArgs(['--pcapng'])).toThrow(/--pcapng goes with -w/);
  });

  it("finds a file's link type and snap length as tcpdump names them", () => {
    for (const format of ['pcap', 'pcapng'] as const) {
      const header = new CaptureFileWriter({ format, linkType: 276, snaplen: 96 }).header();
      expect(fileHeader(header.length >= 24 ? header : new Uint8Array(24))).toEqual({
        linkType: 276,
        snaplen: 96,
      });
    }
    expect(fileHeader(new Uint8Array(30))).toBeUndefined();
  });

  it("prints tcpdump's closing counts", () => {
    expect(formatStats({ captured: 1, received: 2, dropped: 0 })).toBe(
      '1 packet captured\n2 packets received by filter\n0 packets dropped by kernel\n',
    );
  });
});
