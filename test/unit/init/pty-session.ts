import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * Runs a command under a pseudo-terminal with util-linux `script`, so interactive prompts behave as
 * for a person: `expect` waits for text on the screen, `type` sends keys.
 */
export class PtySession {
  private readonly child: ChildProcessWithoutNullStreams;
  private raw = '';
  private consumed = 0;
  private readonly exited: Promise<number>;

  constructor(command: string, options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TERM: 'xterm',
        COLUMNS: '200',
        LINES: '50',
        ...options.env,
      },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.raw += chunk.toString('utf8')));
    this.child.stderr.on('data', (chunk: Buffer) => (this.raw += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? -1)));
  }

  /** Everything written so far, colours and cursor movement included. */
  get output(): string {
    return this.raw;
  }

  /** Everything shown so far, without colours and cursor movement. */
  get screen(): string {
    return stripAnsi(this.raw);
  }

  /** Waits until `text` appears after what earlier calls already matched. */
  async expect(text: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.screen.slice(this.consumed);
      const match =
        typeof text === 'string'
          ? { index: rest.indexOf(text), length: text.length }
          : matchRegExp(rest, text);
      if (match.index >= 0) {
        this.consumed += match.index + match.length;
        return;
      }
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`did not see ${String(text)} on screen; it shows:\n${this.screen.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Waits for `prompt`, then types `answer` and Enter. */
  async answer(prompt: string | RegExp, answer: string): Promise<void> {
    await this.expect(prompt);
    this.type(`${answer}\r`);
  }

  async exitCode(timeoutMs = 10_000): Promise<number> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function matchRegExp(text: string, pattern: RegExp): { index: number; length: number } {
  const match = pattern.exec(text);
  return match ? { index: match.index, length: match[0].length } : { index: -1, length: 0 };
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r/g, '');
}
