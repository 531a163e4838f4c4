import { rowsTaken, truncateCells } from './cells.js';

export interface ScreenSize {
  rows: number;
  columns: number;
}

/** The screen as the terminal reports it now (it may have been resized since the last frame). */
export function screenSize(stream: { rows?: number; columns?: number } = process.stdout): ScreenSize {
  return { rows: stream.rows || 24, columns: stream.columns || 80 };
}

/**
 * The most lines the live region may take on a screen `rows` high: a few rows stay for what was
 * printed above it, and the cursor's row below it. A region never taller than the screen is one
 * the terminal can always redraw: a line that scrolled away can no longer be reached.
 */
export function liveRegionHeight(rows: number): number {
  return Math.max(1, rows > 8 ? rows - 4 : rows - 1);
}

const ESC = '\x1b[';

/**
 * The bottom of the screen as two parts: lines printed once and for good (they scroll up into the
 * terminal's history like any output), and below them a region of short lines redrawn in place.
 * Each update erases the region, prints what became permanent, then draws the region again, in
 * one write. Region lines are cut to the screen's width, so that each takes exactly one row.
 */
export class LiveRegion {
  /** The region as drawn (with colours, and without them), and the width it was drawn at. */
  private drawn: string[] = [];
  private plainDrawn: string[] = [];
  private drawnColumns = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly size: () => ScreenSize = () => screenSize(),
  ) {}

  /**
   * Prints `permanent` above the region, then draws `live` (already no taller than
   * liveRegionHeight; each line is cut to fit, colours added by `paint` after the cut).
   */
  update(permanent: readonly string[], live: readonly LiveLine[]): void {
    const { columns } = this.size();
    const lines = live.map((line) => {
      const plain = truncateCells(line.text, columns - 1);
      return { plain, shown: line.paint ? line.paint(plain) : plain };
    });
    const unchanged =
      permanent.length === 0 &&
      columns === this.drawnColumns &&
      lines.length === this.drawn.length &&
      lines.every((line, index) => line.shown === this.drawn[index]);
    if (unchanged) return;
    let text = this.erase(columns);
    for (const line of permanent) text += `${line}\n`;
    for (const line of lines) text += `${line.shown}\n`;
    this.drawn = lines.map((line) => line.shown);
    this.plainDrawn = lines.map((line) => line.plain);
    this.drawnColumns = columns;
    this.write(text);
  }

  /** Erases the region, leaving the cursor where it began: what follows is printed there. */
  clear(): void {
    const text = this.erase(this.size().columns);
    this.drawn = [];
    this.plainDrawn = [];
    if (text) this.write(text);
  }

  private erase(columns: number): string {
    if (this.drawn.length === 0) return '';
    // A screen made narrower since may have wrapped the region's lines: count the rows they take now.
    const rows = columns < this.drawnColumns ? rowsTaken(this.plainDrawn, columns) : this.plainDrawn.length;
    return `\r${ESC}${rows}A${ESC}J`;
  }
}

export interface LiveLine {
  /** Plain text, without colours: it is measured and cut to the screen's width. */
  text: string;
  /** Colours for the line as cut. */
  paint?: (text: string) => string;
}
