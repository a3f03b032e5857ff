export type { IpFamily, ProbeProtocol, ProbeSocket, ReceivedPacket, SendOptions, SocketSpec } from './types.js';
export { PERMISSION_FIX, ProbeSocketError, toProbeSocketError } from './errors.js';
export type { SocketErrorCode } from './errors.js';
export { openProbeSocket, pingGroupFix } from './open.js';
export type { Backend, OpenOptions } from './open.js';
