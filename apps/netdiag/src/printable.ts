/**
 * Text from the kernel or the network (interface names, labels, process names, socket paths)
 * made safe for a terminal: C0 and C1 control characters and DEL become \xNN, so that no name
 * can move the cursor, clear the screen or end a line.
 */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
