/**
 * Control characters (Cc), format characters (Cf) and the line and paragraph separators: printed
 * raw, a value in an inventory (a host name, a key) could move the cursor, clear the screen, set
 * the window title, break one diagnostic into two lines, or show a different value than the one
 * written. Cf holds the bidi marks that reorder text and the invisible ones (zero-width space and
 * joiners, word joiner, BOM, tag characters) that make "ro\u{200b}ot" look exactly like "root".
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

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

/** The first line with something on it, trimmed: what a command's output says first. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? '(no output)'
  );
}
