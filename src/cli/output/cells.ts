/**
 * Text measured in terminal cells, for lines that must fit the screen: a line of the live region
 * that wrapped would take two rows where the region counts one, and the next redraw would leave
 * a stale row behind.
 */

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** Characters a terminal draws two cells wide: CJK, Hangul, full-width forms, most emoji. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Combining marks take no cell of their own. */
const COMBINING = /^(?:\p{Mn}|\p{Me})$/u;

function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  // Zero-width spaces and joiners, the word joiner, variation selectors: no cell either.
  const invisible =
    (code >= 0x200b && code <= 0x200f) || code === 0x2060 || (code >= 0xfe00 && code <= 0xfe0f);
  if (invisible || COMBINING.test(char)) return 0;
  return isWide(code) ? 2 : 1;
}

/** The cells `text` takes on one row; colours take none. */
export function cellWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(ANSI, '')) width += charWidth(char);
  return width;
}

/** `text` with spaces after it up to `width` cells. */
export function padCells(text: string, width: number): string {
  return `${text}${' '.repeat(Math.max(0, width - cellWidth(text)))}`;
}

/** `text` (plain, no colours) cut to at most `width` cells, with an ellipsis where it was cut. */
export function truncateCells(text: string, width: number): string {
  if (cellWidth(text) <= width) return text;
  if (width <= 0) return '';
  let kept = '';
  let used = 0;
  for (const char of text) {
    const next = charWidth(char);
    if (used + next > width - 1) break;
    kept += char;
    used += next;
  }
  return `${kept}…`;
}

/**
 * `text` (plain) broken at spaces into lines of at most `width` cells; the lines after the first
 * start with `hang` (a word longer than a line is cut where the line ends).
 */
export function wrapCells(text: string, width: number, hang = ''): string[] {
  if (cellWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = '';
  const room = () => width - cellWidth(line);
  for (const word of text.split(/(?<= )/)) {
    if (cellWidth(word.trimEnd()) <= room()) {
      line += word;
      continue;
    }
    if (line.trim() !== '') {
      lines.push(line.trimEnd());
      line = hang;
    }
    let rest = word;
    while (cellWidth(rest.trimEnd()) > room()) {
      let piece = '';
      for (const char of rest) {
        if (cellWidth(piece + char) > room()) break;
        piece += char;
      }
      if (piece === '') break;
      lines.push(`${line}${piece}`);
      line = hang;
      rest = rest.slice(piece.length);
    }
    line += rest;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

/** How many rows `lines` take on a screen `columns` wide (a line wider than that wraps). */
export function rowsTaken(lines: readonly string[], columns: number): number {
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(cellWidth(line) / columns)), 0);
}
