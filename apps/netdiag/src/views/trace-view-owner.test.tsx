import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { hopSnapshot } from '../trace/trace-test-events.testkit.js';
import { TraceTable } from './trace-view.js';

describe('the live trace table with -z', () => {
  it('shows each responder’s owner before its name, as mtr -z does', () => {
    const hops = [hopSnapshot(1), hopSnapshot(2)];
    const snapshot = {
      host: 'far.lab',
      address: '192.0.2.9',
      hops,
      names: new Map([['192.0.2.5', 'r1.lab']]),
      ipInfo: new Map([
        ['192.0.2.5', 'AS64500 Lab Transit'],
        ['192.0.2.9', 'AS???'],
      ]),
      showNames: true,
      display: 'stats' as const,
      paused: false,
      ended: true,
      flows: 1,
      flowsAt: new Map(),
    };
    const frame = render(<TraceTable snapshot={snapshot} width={120} />).lastFrame() ?? '';
    expect(frame).toContain('  1. AS64500 Lab Transit r1.lab (192.0.2.5)');
    expect(frame).toContain('  2. AS??? 192.0.2.9');
    const { ipInfo: _, ...without } = snapshot;
    expect(render(<TraceTable snapshot={without} width={120} />).lastFrame()).toContain(
      '  1. r1.lab (192.0.2.5)',
    );
  });
});
