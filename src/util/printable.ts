/**
 * Control characters, and the Unicode marks that reorder text on screen: printed raw, a value in an
 * inventory (a host name, a key) could move the cursor, clear the screen, set the window title or
 * show a different line than the one written.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Text safe for a terminal: every unprintable character written as an escape, e.g. `\u{1b}`. */
export function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\t') return '\\t';
    if (char === '\r') return '\\r';
    return `\\u{${char.codePointAt(0)!.toString(16)}}`;
  });
}

/** A value quoted in a message: at most `max` characters, with how many were left out. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}
