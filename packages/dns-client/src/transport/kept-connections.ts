import type { StreamSessions } from './stream-session.js';
import type { StreamCarrier } from './types.js';

/** TCP and TLS connections kept open between queries and shared by them; `close()` ends them. */
export interface KeptConnections extends StreamCarrier {
  close(): void;
}

/**
 * Connections to keep across queries, one per server and transport, each carrying its queries
 * at once (see StreamSession): pass it as `streams` to several `query()` calls, as `dig
 * +keepopen` does, or let a Resolver keep its own. The code for them (node:net, node:tls) loads
 * on the first TCP or TLS exchange, so a caller asking only over UDP never loads it.
 */
export function keptConnections(): KeptConnections {
  let sessions: StreamSessions | undefined;
  return {
    async exchange(query, wire, server, options) {
      const { StreamSessions } = await import('./stream-session.js');
      sessions ??= new StreamSessions();
      return sessions.exchange(query, wire, server, options);
    },
    close() {
      sessions?.close();
      sessions = undefined;
    },
  };
}
