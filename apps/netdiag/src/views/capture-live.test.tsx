import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { CaptureTally, CaptureView, summarize } from './capture-live.js';

const packet = (seconds: number, length: number) => ({
  seconds,
  nanos: 0,
  originalLength: length,
  data: new Uint8Array(length),
  linkType: 1,
});

describe('the capture view', () => {
  it('counts packets per second (empty seconds too), talkers, protocols and keeps the last lines', () => {
    const t = new CaptureTally(5, 2);
    t.add(packet(100, 60), { talker: '192.0.2.1', protocol: 'icmp' }, 'a\n');
    t.add(packet(100, 60), { talker: '192.0.2.1', protocol: 'tcp' }, 'b\n');
    t.add(packet(103, 60), { talker: '192.0.2.9', protocol: 'icmp' }, 'c\n');
    expect(t.perSecond).toEqual([2, 0, 0, 1]);
    expect(t.top(t.talkers, 1)).toEqual([['192.0.2.1', 2]]);
    expect(t.top(t.protocols, 5)).toEqual([
      ['icmp', 2],
      ['tcp', 1],
    ]);
    expect(t.lines).toEqual(['b', 'c']);
    expect(t.bytes).toBe(180);
  });

  it("names a packet's talker and innermost protocol", () => {
    expect(
      summarize([
        { protocol: 'ethernet' },
        { protocol: 'ipv4', header: { source: '192.0.2.1' } },
        { protocol: 'udp' },
      ]),
    ).toEqual({ talker: '192.0.2.1', protocol: 'udp' });
    expect(summarize([{ protocol: 'ethernet' }, { protocol: 'arp', senderProtocol: '192.0.2.9' }])).toEqual({
      talker: '192.0.2.9',
      protocol: 'arp',
    });
    expect(summarize([])).toEqual({ talker: undefined, protocol: 'other' });
  });

  it('draws the rate, the talkers, the protocols and the latest lines', () => {
    const t = new CaptureTally();
    for (let i = 0; i < 5; i++)
      t.add(packet(200 + i, 98), { talker: '198.51.100.7', protocol: 'icmp' }, `line ${i}\n`);
    const opened = {
      interface: 'eth0',
      linkType: 1,
      snaplen: 262144,
      filter: undefined,
      filterIn: 'none' as const,
    };
    const { lastFrame } = render(<CaptureView tally={t} opened={opened} version={1} done={false} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('netdiag capture · eth0 · 5 packets · 1 pkt/s');
    expect(frame).toMatch(/198\.51\.100\.7\s+5/);
    expect(frame).toMatch(/icmp\s+5/);
    expect(frame).toContain('line 4');
  });
});
