import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { addressFamily } from '@netdiag/address';
import { DnsError } from '../errors.js';
import { matchResponse, type QueryMessage } from '../message.js';
import { errorText, ignoredNote, serverText, withDeadline } from './deadline.js';
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
      const socket = createSocket({ type: addressFamily(server.address) === 6 ? 'udp6' : 'udp4' });
      onCleanup(() => socket.close());
      let t0 = 0;
      const fail = (err: NodeJS.ErrnoException) =>
        settle.reject(
          new DnsError('NETWORK', `${serverText(server)} over UDP: ${errorText(err)}`, {
            cause: err,
          }),
        );
      // Errors of the connected socket after connect (ECONNREFUSED from an ICMP port unreachable).
      socket.on('error', (err: NodeJS.ErrnoException) => fail(err));
      socket.on('message', (msg, rinfo) => {
        if (rinfo.address !== server.address || rinfo.port !== server.port) {
          ignored.push(`reply from ${serverText(rinfo)}`);
          return;
        }
        const m = matchResponse(query, msg);
        if (typeof m === 'string') ignored.push(m);
        else settle.resolve({ message: m, size: msg.length, rttMs: performance.now() - t0 });
      });
      // A failed connect (no route: ENETUNREACH; no address: EADDRNOTAVAIL) comes to this callback
      // only, never as an 'error' event; sending on the socket it left unconnected would throw
      // from inside the callback, where nothing can catch it.
      socket.connect(server.port, server.address, (err?: Error) => {
        if (err) {
          fail(err as NodeJS.ErrnoException);
          return;
        }
        t0 = performance.now();
        try {
          socket.send(wire, (sendErr) => {
            if (sendErr) fail(sendErr as NodeJS.ErrnoException);
          });
        } catch (sendErr) {
          // The exchange was settled (timeout, abort) and the socket closed under us.
          fail(sendErr as NodeJS.ErrnoException);
        }
      });
    },
  );
}
