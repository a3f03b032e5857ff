import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DnsError } from '../errors.js';
import { matchResponse, type QueryMessage } from '../message.js';
import { ignoredNote, serverText, withDeadline } from './deadline.js';
import type { Exchanged, ExchangeOptions, ServerAddress } from './types.js';

/**
 * One query over UDP from a fresh socket: the kernel picks a random ephemeral source port for
 * each query (RFC 5452), and the socket is connected to the server so the kernel drops
 * datagrams from anyone else and reports a closed port (ICMP) as ECONNREFUSED at once.
 * Datagrams that get through but are not the answer (other source, wrong ID or question,
 * undecodable) are counted and ignored: the wait goes on until the deadline.
 */
export function udpExchange(
  query: QueryMessage,
  wire: Uint8Array,
  server: ServerAddress,
  options: ExchangeOptions,
): Promise<Exchanged> {
  const ignored: string[] = [];
  return withDeadline<Exchanged>(
    options,
    () =>
      `no answer from ${serverText(server)} over UDP within ${options.timeoutMs} ms${ignoredNote(ignored)}`,
    (settle, onCleanup) => {
      const socket = createSocket({ type: isIPv6(server.address) ? 'udp6' : 'udp4' });
      onCleanup(() => socket.close());
      let t0 = 0;
      socket.on('error', (err: NodeJS.ErrnoException) => {
        settle.reject(
          new DnsError('NETWORK', `${serverText(server)} over UDP: ${err.code ?? err.message}`, {
            cause: err,
          }),
        );
      });
      socket.on('message', (msg, rinfo) => {
        if (rinfo.address !== server.address || rinfo.port !== server.port) {
          ignored.push(`reply from ${serverText(rinfo)}`);
          return;
        }
        const m = matchResponse(query, msg);
        if (typeof m === 'string') ignored.push(m);
        else settle.resolve({ message: m, size: msg.length, rttMs: performance.now() - t0 });
      });
      // Node calls connect's callback with the error where the connect fails (no route to the
      // server: ENETUNREACH), and emits no 'error' then; @types/node omits that argument.
      const connected = (err?: NodeJS.ErrnoException) => {
        if (err) {
          settle.reject(
            new DnsError('NETWORK', `${serverText(server)} over UDP: ${err.code ?? err.message}`, {
              cause: err,
            }),
          );
          return;
        }
        t0 = performance.now();
        socket.send(wire, (err) => {
          if (err)
            settle.reject(
              new DnsError(
                'NETWORK',
                `sending to ${serverText(server)}: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
                { cause: err },
              ),
            );
        });
      };
      socket.connect(server.port, server.address, connected as () => void);
    },
  );
}
