/**
 * Presentation-format escaping, as dig prints it (RFC 1035 section 5.1 master-file syntax):
 * bytes outside printable ASCII become `\DDD` (three decimal digits) and the characters that
 * mean something in a zone file get a backslash. Everything the network sends that reaches a
 * terminal goes through here, so a hostile name or TXT string cannot move the cursor or change
 * colours.
 */

const encoder = new TextEncoder();

function ddd(byte: number): string {
  return `\\${byte.toString().padStart(3, '0')}`;
}

/** Characters dig escapes with a backslash inside a label (besides the label separator). */
const NAME_SPECIALS = new Set(['"', '(', ')', ';', '\\', '@', '$']);

/**
 * Escapes one label's bytes as dig does: `\.` for a dot inside a label, `\"` and friends for
 * master-file specials, `\DDD` for anything not printable ASCII.
 */
export function escapeLabel(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b <= 0x20 || b >= 0x7f) out += ddd(b);
    else {
      const c = String.fromCharCode(b);
      out += c === '.' || NAME_SPECIALS.has(c) ? `\\${c}` : c;
    }
  }
  return out;
}

/**
 * Escapes a domain name already decoded to text with `.` between labels (as dns-packet gives
 * it). Non-ASCII code points are escaped byte by byte of their UTF-8 form.
 */
export function escapeName(name: string): string {
  if (name === '' || name === '.') return '.';
  return name
    .split('.')
    .map((label) => escapeLabel(encoder.encode(label)))
    .join('.');
}

/** A <character-string> (TXT, CAA value, SVCB value) inside double quotes, dig style. */
export function quoteCharacterString(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    if (b < 0x20 || b >= 0x7f) out += ddd(b);
    else if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** Text from any other source (a server name, an error message) made safe for a terminal. */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => ddd(c.charCodeAt(0)));
}
