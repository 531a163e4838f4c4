/**
 * How often a running command reports its last line at most: often enough that a build is seen
 * alive, rarely enough that `make`'s thousands of lines cost nothing to draw or to log.
 */
export const PROGRESS_INTERVAL_MS = 500;

type Stream = 'stdout' | 'stderr';

/**
 * The last complete, non-empty line of a command's output as it arrives. Each stream is cut at
 * its own line ends (stdout and stderr interleave at any byte); a carriage return ends a line as
 * a newline does, as a terminal would show it (a progress bar redrawn in place).
 */
export class LastLine {
  private readonly partial: Record<Stream, string> = { stdout: '', stderr: '' };
  private line: string | undefined;

  get last(): string | undefined {
    return this.line;
  }

  /** Whether `text` completed a new line. */
  push(text: string, stream: Stream): boolean {
    // Only the new text is split: a line without end (megabytes of it) is not split again and again.
    const pieces = text.split(/\r\n|\r|\n/);
    const rest = pieces.pop()!;
    if (pieces.length === 0) {
      this.partial[stream] += rest;
      return false;
    }
    pieces[0] = this.partial[stream] + pieces[0]!;
    this.partial[stream] = rest;
    const complete = pieces.map((piece) => piece.trim()).filter((piece) => piece !== '');
    if (complete.length === 0) return false;
    this.line = complete.at(-1)!;
    return true;
  }
}

/**
 * Passes on a command's last line, at most once per `intervalMs`, the first one no sooner than
 * `intervalMs` after it started (a quick command reports nothing). A line held back meanwhile is
 * sent when the interval is over, so that what was last reported is the latest line even when
 * the command then goes quiet for a long time (a long link step).
 */
export class ThrottledProgress {
  private readonly lines = new LastLine();
  private sent: string | undefined;
  private lastSentAt: number;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly report: (line: string) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSentAt = now();
  }

  readonly output = (text: string, stream: Stream): void => {
    if (this.ended || !this.lines.push(text, stream) || this.timer) return;
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.send();
    else this.timer = setTimeout(() => this.send(), wait);
  };

  /** The command is over: nothing more is reported (its step's outcome follows). */
  end(): void {
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.timer = undefined;
    const line = this.lines.last;
    if (this.ended || line === undefined || line === this.sent) return;
    this.sent = line;
    this.lastSentAt = this.now();
    this.report(line);
  }
}
