/**
 * The echo payload the agent sends: an 8-byte cookie (random per agent, so another pinger's
 * replies on the same host are never counted), the target's slot (u32, big-endian: finds the
 * target from a reply in O(1)), then iputils' incrementing byte pattern. A reply is matched by
 * identifier, sequence, cookie, slot and source address together.
 */
export const PAYLOAD_HEADER = 12;
export const COOKIE_BYTES = 8;

export function makePayload(size: number, cookie: Uint8Array, slot: number): Uint8Array {
  if (size < PAYLOAD_HEADER) throw new RangeError(`payload size must be at least ${PAYLOAD_HEADER} bytes`);
  const payload = new Uint8Array(size);
  for (let i = PAYLOAD_HEADER; i < size; i++) payload[i] = i & 0xff;
  payload.set(cookie.subarray(0, COOKIE_BYTES));
  writeSlot(payload, slot);
  return payload;
}

/** Writes a target's slot into a payload made by makePayload (at `offset` in a whole message). */
export function writeSlot(payload: Uint8Array, slot: number, offset = 0): void {
  payload[offset + COOKIE_BYTES] = slot >>> 24;
  payload[offset + COOKIE_BYTES + 1] = (slot >>> 16) & 0xff;
  payload[offset + COOKIE_BYTES + 2] = (slot >>> 8) & 0xff;
  payload[offset + COOKIE_BYTES + 3] = slot & 0xff;
}

/** The slot a reply's payload names, or undefined when it is not one of this agent's. */
export function payloadSlot(payload: Uint8Array, cookie: Uint8Array): number | undefined {
  if (payload.length < PAYLOAD_HEADER) return undefined;
  for (let i = 0; i < COOKIE_BYTES; i++) if (payload[i] !== cookie[i]) return undefined;
  return ((payload[8]! << 24) | (payload[9]! << 16) | (payload[10]! << 8) | payload[11]!) >>> 0;
}
