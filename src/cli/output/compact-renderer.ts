import {
  color,
  figures,
  ListrEventType,
  ListrTaskEventType,
  ProcessOutput,
  Spinner,
  type ListrEventManager,
  type ListrRendererFactory,
  type ListrTaskObject,
} from 'listr2';
import { cellWidth, truncateCells, wrapCells } from './cells.js';
import { LiveRegion, liveRegionHeight, screenSize, type LiveLine } from './live-region.js';
import { clock } from './words.js';

type Task = ListrTaskObject<unknown, ListrRendererFactory, ListrRendererFactory>;

/** The clock's column: wide enough for 59:59, so that the text after it lines up. */
const CLOCK_WIDTH = 5;

interface Glyph {
  char: string;
  paint: (text: string) => string;
}

/** Per task: a completed task drawn with `glyph`, in yellow, instead of a check mark. */
export interface CompactTaskOptions {
  glyph?: string;
}

function glyphOf(task: Task): Glyph {
  if (task.hasFailed()) return { char: figures.cross, paint: color.red };
  if (task.isSkipped()) return { char: figures.warning, paint: color.yellow };
  const { glyph } = (task.rendererTaskOptions ?? {}) as CompactTaskOptions;
  if (task.isCompleted())
    return glyph ? { char: glyph, paint: color.yellow } : { char: figures.tick, paint: color.green };
  // Only at the very end, for a task listr2 never finished: drawn as not done, never as done.
  return { char: figures.squareSmallFilled, paint: color.dim };
}

/** One line of text: a title or an output may hold newlines or tabs; a live line may not. */
function oneLine(text: string): string {
  return text.replace(/[\n\r\t\v\f]+/g, ' ');
}

/**
 * Splits a task's output into what it does and a detail after it (a build's clock and last line):
 * `${what}${DETAIL}${detail}`. On a narrow screen the detail keeps its room and `what` is cut.
 */
export const DETAIL = '\u001f';

/** The cells a detail is given, at most, when `what` must be cut for it: enough to read a build's line by. */
const DETAIL_ROOM = 40;
/** The cells `what` keeps however narrow the screen: enough to tell the step. */
const WHAT_LEAST = 16;

/** A task's output on `room` cells: all of it when it fits, else `what` cut first, to make room for the detail. */
export function fitOutput(output: string, room: number): string {
  const [what = '', detail] = oneLine(output).trim().split(DETAIL);
  if (detail === undefined) return what;
  const whole = `${what} ${detail}`;
  if (cellWidth(whole) <= room) return whole;
  const kept = Math.max(WHAT_LEAST, room - 1 - Math.min(cellWidth(detail), DETAIL_ROOM));
  return `${truncateCells(what, kept)} ${detail}`;
}

/**
 * A listr2 renderer for tasks that run side by side (one per host), built so that what stays on
 * the terminal is true at any screen size:
 *
 * - each top-level task still running is one line of a live region at the bottom of the screen:
 *   a spinner, its title, how long it has been going (since its first output) and its last output;
 *   one that has not said anything yet is waiting;
 * - a task that finished leaves the region and is printed once, for good, above it: its line (a
 *   check mark or a cross) with its subtasks' lines below it;
 * - the region is never taller than the screen (liveRegionHeight): when the unfinished tasks do
 *   not fit, the first ones are shown and one line counts the rest. Only the region is ever
 *   redrawn, so no line that scrolled away needs redrawing.
 *
 * listr2's own default renderer redraws the whole tree, which a screen shorter than the tree
 * cannot do: the lines that scrolled away stay as they were when they left.
 */
export class CompactRenderer {
  static nonTTY = false;
  static rendererOptions: Record<PropertyKey, never> = {};
  static rendererTaskOptions: CompactTaskOptions = {};

  private readonly spinner = new Spinner();
  private readonly output = new ProcessOutput();
  private readonly region = new LiveRegion((text) => this.output.toStdout(text, false));
  private readonly printed = new Set<string>();
  private readonly since = new Map<string, number>();
  private scheduled: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ended = false;
  /** A run that dies before it ends (a bug): what was written meanwhile is shown, the cursor too. */
  private readonly onExit = () => {
    if (!this.ended) this.output.release();
  };

  constructor(
    private readonly tasks: Task[],
    _options: Record<PropertyKey, never>,
    private readonly events?: ListrEventManager,
  ) {
    // A task's clock runs from its first output; an output emptied again means it waits again.
    for (const task of tasks) {
      task.on(ListrTaskEventType.OUTPUT, (output: string) => {
        if (!oneLine(output ?? '').trim()) this.since.delete(task.id);
        else if (!this.since.has(task.id)) this.since.set(task.id, Date.now());
      });
    }
  }

  render(): void {
    // Anything else written to stdout or stderr meanwhile is held, and printed after the region.
    this.output.hijack();
    process.once('exit', this.onExit);
    // The spinner's clock keeps no process alive: one whose run died must still exit.
    this.ticker = setInterval(() => {
      this.spinner.spin();
      this.draw();
    }, 100).unref();
    this.events?.on(ListrEventType.SHOULD_REFRESH_RENDER, () => this.schedule());
    this.draw();
  }

  end(): void {
    clearInterval(this.ticker);
    clearTimeout(this.scheduled);
    this.draw(true);
    this.ended = true;
    process.off('exit', this.onExit);
    this.region.clear();
    this.output.release();
  }

  /** Changes come in bursts (a host reporting its whole plan at once): one frame for each burst. */
  private schedule(): void {
    if (this.ended) return;
    this.scheduled ??= setTimeout(() => {
      this.scheduled = undefined;
      this.draw();
    }, 20).unref();
  }

  private draw(final = false): void {
    const now = Date.now();
    const { rows, columns } = screenSize();
    const permanent: string[] = [];
    const open: Task[] = [];
    for (const task of this.tasks) {
      if (this.printed.has(task.id)) continue;
      if (task.hasFinalized() || final) {
        permanent.push(...this.block(task, 0, columns));
        this.printed.add(task.id);
      } else open.push(task);
    }
    this.region.update(permanent, this.liveLines(open, now, liveRegionHeight(rows), columns));
  }

  private liveLines(open: Task[], now: number, height: number, columns: number): LiveLine[] {
    const running = open.filter((task) => this.since.has(task.id));
    const waiting = open.filter((task) => !this.since.has(task.id));
    const ordered = [...running, ...waiting];
    const shown = ordered.length <= height ? ordered : ordered.slice(0, height - 1);
    const lines = shown.map((task): LiveLine => {
      const title = oneLine(task.title ?? '');
      const since = this.since.get(task.id);
      if (since === undefined) {
        return {
          text: `${figures.squareSmallFilled} ${title}  ${' '.repeat(CLOCK_WIDTH)}  waiting`,
          paint: color.dim,
        };
      }
      const spinner = this.spinner.fetch();
      const head = `${spinner} ${title}  ${clock(now - since).padStart(CLOCK_WIDTH)}  `;
      return {
        // The region cuts every line to columns - 1.
        text: `${head}${fitOutput(task.output ?? '', columns - 1 - cellWidth(head))}`,
        paint: (text) => `${color.yellow(text.slice(0, spinner.length))}${text.slice(spinner.length)}`,
      };
    });
    const hidden = ordered.slice(shown.length);
    if (hidden.length > 0) {
      const hiddenRunning = hidden.filter((task) => this.since.has(task.id)).length;
      const words = [
        ...(hiddenRunning > 0 ? [`${hiddenRunning} running`] : []),
        ...(hidden.length > hiddenRunning ? [`${hidden.length - hiddenRunning} waiting`] : []),
      ];
      lines.push({ text: `… and ${hidden.length} more: ${words.join(', ')}`, paint: color.dim });
    }
    return lines;
  }

  /** A finished task's lines, for good: its own, wrapped to the screen, then its subtasks'. */
  private block(task: Task, level: number, columns: number): string[] {
    const text =
      task.hasFailed() && !task.hasSubtasks() && task.message.error ? task.message.error : (task.title ?? '');
    const indent = '  '.repeat(level);
    const lines: string[] = [];
    if (text.trim() !== '') {
      const glyph = glyphOf(task);
      const [first, ...rest] = text.split('\n');
      const width = Math.max(20, columns - 1);
      const wrapped = [
        ...wrapCells(`${indent}${glyph.char} ${first}`, width, `${indent}  `),
        ...rest.flatMap((line) => wrapCells(`${indent}  ${line}`, width, `${indent}  `)),
      ];
      wrapped[0] = `${indent}${glyph.paint(glyph.char)}${wrapped[0]!.slice(indent.length + glyph.char.length)}`;
      lines.push(...wrapped);
    }
    const below = text.trim() === '' ? level : level + 1;
    for (const subtask of task.subtasks ?? []) lines.push(...this.block(subtask, below, columns));
    return lines;
  }
}
