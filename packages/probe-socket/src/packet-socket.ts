import type { NativeSocket } from '@netdiag/native-socket';
import { PERMISSION_FIX, ProbeSocketError, toProbeSocketError } from './errors.js';
import { findHelper } from './privilege.js';

/**
 * A raw AF_PACKET socket for `etherType` (host order: ETH_P_ARP for ARP, ETH_P_ALL for capture):
 * opened here with CAP_NET_RAW, else by the privileged helper where it is installed and the user
 * is in its group (it opens these two kinds only). Throws ProbeSocketError; isPermissionDenied
 * when neither may, with the fix and what the helper said. `what` names the use in that message.
 * Open it before the command drops its privilege (dropPrivileges): afterwards neither way works.
 */
export function openPacketSocket(
  native: Pick<typeof import('@netdiag/native-socket'), 'open'>,
  etherType: number,
  what: string,
): NativeSocket {
  const spec = { domain: 'packet', type: 'raw', protocol: etherType } as const;
  let denied: ProbeSocketError;
  try {
    return native.open(spec);
  } catch (err) {
    denied = toProbeSocketError(err, 'socket');
    if (!denied.isPermissionDenied) throw denied;
  }
  const helper = findHelper();
  let said = '';
  if (helper !== undefined) {
    try {
      return native.open({ ...spec, helper });
    } catch (err) {
      const e = toProbeSocketError(err, 'socket');
      if (!e.isPermissionDenied) throw e;
      said = ` (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  throw new ProbeSocketError(
    `no permission to open a packet socket (AF_PACKET) for ${what}: ${PERMISSION_FIX}${said}`,
    denied.code,
    'socket',
    { cause: denied },
  );
}
