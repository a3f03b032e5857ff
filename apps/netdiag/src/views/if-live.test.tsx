import type { Counters, Interface } from '@netdiag/interface-stats';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { IfLive, IfTable, rateSparkline } from './if-live.js';

const counters = (rxBytes: number, rxPackets: number): Counters => ({
  rxBytes: BigInt(rxBytes),
  rxPackets: BigInt(rxPackets),
  rxErrors: 0n,
  rxDropped: 0n,
  txBytes: 0n,
  txPackets: 0n,
  txErrors: 0n,
  txDropped: 0n,
});
const iface = (name: string, index: number, c: Counters): Interface => ({
  name,
  index,
  flags: ['UP', 'LOWER_UP'],
  flagBits: 0x10041,
  operState: 'up',
  mtu: 1500,
  linkType: 'ether',
  addresses: [],
  ipv4Complete: true,
  counters: c,
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('rateSparkline', () => {
  it('scales from zero: steady traffic is full height, idle is the baseline', () => {
    expect(rateSparkline([5, 5, 5], 3)).toBe('███');
    expect(rateSparkline([0, 0], 2)).toBe('▁▁');
    expect(rateSparkline([1, 8], 4)).toBe('▁█  ');
  });
});

describe('IfLive', () => {
  it('shows rates from successive samples, marks a vanished interface, and quits on q', async () => {
    // Scripted readings one simulated second apart: eth0 receives 125 000 bytes (1 Mbit) and
    // 100 packets per second; veth9 disappears after the second reading.
    const readings = [
      [iface('eth0', 2, counters(0, 0)), iface('veth9', 5, counters(0, 0))],
      [iface('eth0', 2, counters(125_000, 100)), iface('veth9', 5, counters(0, 0))],
      [iface('eth0', 2, counters(250_000, 200))],
    ];
    let n = 0;
    let clock = 0;
    const load = async () => readings[Math.min(n++, readings.length - 1)]!;
    const errors: unknown[] = [];
    const ui = render(
      <IfLive
        load={load}
        intervalMs={10}
        historyLength={10}
        now={() => (clock += 1000)}
        onError={(e) => errors.push(e)}
      />,
    );
    await until(() => (ui.lastFrame() ?? '').includes('gone: veth9'), 'the third sample');
    const frame = ui.lastFrame()!;
    expect(frame).toMatch(/eth0\s+up\s+1\.00 Mbit\/s\s+0 bit\/s\s+100\s+0\.0/);
    expect(frame).not.toMatch(/^veth9/m);
    ui.stdin.write('q');
    await until(() => errors.length === 0 && n >= 3, 'exit');
    ui.unmount();
    expect(errors).toEqual([]);
  });

  it('shows … for an interface until it has two samples', async () => {
    const ui = render(
      <IfLive
        load={async () => [iface('lo', 1, counters(0, 0))]}
        intervalMs={100_000}
        historyLength={5}
        now={() => 0}
        onError={() => {}}
      />,
    );
    await until(() => (ui.lastFrame() ?? '').includes('lo'), 'the first sample');
    expect(ui.lastFrame()).toMatch(/lo\s+up\s+…/);
    ui.unmount();
  });
});

describe('IfTable', () => {
  it('shows the rows that fit and says which', () => {
    const rows = Array.from({ length: 5 }, (_, k) => ({
      name: `veth${k}`,
      state: 'up',
      rx: '0 bit/s',
      tx: '0 bit/s',
      rxPps: '0.0',
      txPps: '0.0',
      errDrop: '0.0/0.0',
      spark: '▁▁',
      fresh: false,
    }));
    const ui = render(
      <IfTable
        model={{ rows, samples: 10, vanished: [] }}
        intervalMs={1000}
        paused={false}
        width={120}
        height={2}
        offset={1}
      />,
    );
    const frame = ui.lastFrame()!;
    expect(frame).toMatch(/^veth1 /m);
    expect(frame).toMatch(/^veth2 /m);
    expect(frame).not.toMatch(/^veth0 /m);
    expect(frame).not.toMatch(/^veth3 /m);
    expect(frame).toContain('interfaces 2-3 of 5 · ↑↓ scroll');
    ui.unmount();
  });
});
