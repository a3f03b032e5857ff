/** A MAC address as six bytes; the text form is lower case, colon separated. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    if (i) s += ':';
    s += bytes[offset + i]!.toString(16).padStart(2, '0');
  }
  return s;
}

/** Parses "aa:bb:cc:dd:ee:ff" (also '-' separated); undefined when it is not a MAC address. */
export function parseMac(text: string): Uint8Array | undefined {
  const m =
    /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(
      text.trim(),
    );
  if (!m) return undefined;
  return Uint8Array.from(m.slice(1).map((h) => Number.parseInt(h, 16)));
}

export const broadcastMac = 'ff:ff:ff:ff:ff:ff';
export const zeroMac = '00:00:00:00:00:00';
