// The agent as a library: probe two loopback targets for 2.5 s, then print what a Prometheus
// scrape of /metrics would read about them. Run as root (or with CAP_NET_RAW):
//   node --import tsx packages/monitor/examples/monitor-loopback.ts
import { Agent } from '@netdiag/monitor';

const agent = await Agent.start({ hosts: ['127.0.0.1', '::1'] });
await new Promise((resolve) => setTimeout(resolve, 2500));
const text = agent.metrics('text');
agent.close();
for (const line of text.split('\n'))
  if (/^smokeping_(requests_total|response_duration_seconds_count)\{/.test(line)) console.log(line);
