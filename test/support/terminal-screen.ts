import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as headless from '@xterm/headless';

// A CommonJS package: Node's ESM loader gives its exports as `default`, tsx's as named exports.
const { Terminal } = (headless as { default?: typeof headless }).default ?? headless;

export interface Size {
  rows: number;
  columns: number;
}

/**
 * A command on a pseudo-terminal of a given size (util-linux `script`, as for a person), its
 * output fed to a headless terminal emulator (xterm.js): what a person sees, cursor movement,
 * erased lines and scrolling applied, not the raw bytes.
 */
export class TerminalRun {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly terminal: InstanceType<typeof Terminal>;
  private readonly exited: Promise<number>;
  private readonly pauseDir: string;
  private raw = '';

  constructor(
    command: string,
    readonly size: Size,
    options: { cwd: string; env?: NodeJS.ProcessEnv; pauseAt?: number },
  ) {
    this.pauseDir = mkdtempSync(join(tmpdir(), 'lbprov-screen-'));
    this.terminal = new Terminal({
      cols: size.columns,
      rows: size.rows,
      scrollback: 100_000,
      allowProposedApi: true,
    });
    this.child = spawn(
      'script',
      ['-qfec', `stty rows ${size.rows} cols ${size.columns}; ${command}`, '/dev/null'],
      {
        cwd: options.cwd,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TERM: 'xterm-256color',
          ...(options.pauseAt === undefined
            ? {}
            : { PAUSE_AT: String(options.pauseAt), PAUSE_FILE: join(this.pauseDir, 'paused') }),
          ...options.env,
        },
      },
    );
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('utf8');
      this.terminal.write(chunk);
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.raw += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? -1)));
  }

  /** Every byte written, colours and cursor movement included. */
  get output(): string {
    return this.raw;
  }

  /** Waits for the command to pause (replay.ts's PAUSE_AT), and for the screen to settle. */
  async paused(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(this.pauseDir, 'paused'))) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error('the run never paused');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A frame or two of the live view after the pause.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await this.settled();
  }

  /** Goes on after a pause (any key). */
  resume(): void {
    this.child.stdin.write('x');
  }

  async exitCode(timeoutMs = 60_000): Promise<number> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      const code = await this.exited;
      await this.settled();
      return code;
    } finally {
      clearTimeout(timer);
      rmSync(this.pauseDir, { recursive: true, force: true });
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => this.terminal.write('', resolve));
  }

  private line(index: number): string {
    return this.terminal.buffer.active.getLine(index)?.translateToString(true) ?? '';
  }

  /** Rows `from` to `to`, a row the terminal wrapped onto joined to the one before it. */
  private lines(from: number, to: number): string[] {
    const buffer = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let index = from; index < to; index += 1) {
      const text = this.line(index);
      if (buffer.getLine(index)?.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines;
  }

  /**
   * The screen as it shows now, a line the terminal wrapped as one (the first may be the end of
   * one that began above); blank lines at the bottom when nothing reached them.
   */
  get screen(): string[] {
    const buffer = this.terminal.buffer.active;
    return this.lines(buffer.baseY, buffer.baseY + this.size.rows);
  }

  /** Everything a person can scroll back to, then the screen; without the blank lines at the end. */
  get history(): string[] {
    const lines = this.lines(0, this.terminal.buffer.active.length);
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    return lines;
  }
}
