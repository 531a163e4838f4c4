import { closeSync, openSync, writeSync } from 'node:fs';
import type { ExecOptions, ExecResult, HeldProcess, Transport } from '../transport/types.js';
import type { SecretMasker } from '../util/mask.js';
import { escapeUnprintable } from '../util/printable.js';

/**
 * `-v` and `--log FILE`: what lbprov sends to each host and what comes back, and every event of
 * the run, for an operator to read while it runs or afterwards. Everything passes the run's
 * masker first: a secret in a script or in a host's answer never reaches the screen or the file.
 */
interface TraceOptions {
  verbose?: boolean;
  log?: string;
  /** With --json, -v's commands are events on stdout (stderr stays quiet but for a crash). */
  json?: boolean;
}

/** How much of a command's output -v shows on the terminal; the log keeps it whole. */
const VERBOSE_OUTPUT_LINES = 20;

export class Trace {
  private readonly logFd: number | undefined;

  constructor(private readonly options: TraceOptions = {}) {
    // 0600: the log holds what hosts answered, which is nobody else's business.
    this.logFd = options.log === undefined ? undefined : openSync(options.log, 'a', 0o600);
  }

  get tracesCommands(): boolean {
    return Boolean(this.options.verbose) || this.logFd !== undefined;
  }

  /** Whether the terminal shows commands: a redrawn task tree would scramble them. */
  get verbose(): boolean {
    return Boolean(this.options.verbose);
  }

  event(event: object): void {
    if (this.logFd !== undefined) writeSync(this.logFd, `${JSON.stringify(event)}\n`);
  }

  command(record: CommandRecord): void {
    const event = { type: 'command', ...record };
    this.event(event);
    if (!this.options.verbose) return;
    if (this.options.json) {
      process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const lines = [`[${record.host}] $ ${indentAfterFirst(record.command)}`];
    if (record.exit_code !== undefined) {
      const output = record.output.trimEnd().split('\n').filter(Boolean);
      const shown = output.slice(-VERBOSE_OUTPUT_LINES);
      if (output.length > shown.length) lines.push(`  ... ${output.length - shown.length} earlier lines`);
      lines.push(
        ...shown.map((line) => `  | ${line}`),
        `  exit ${record.exit_code} (${record.duration_ms} ms)`,
      );
    }
    // Each line escaped on its own: the layout's newlines stay, a host's escape sequences do not.
    process.stderr.write(`${lines.join('\n').split('\n').map(escapeUnprintable).join('\n')}\n`);
  }

  close(): void {
    if (this.logFd !== undefined) closeSync(this.logFd);
  }
}

interface CommandRecord {
  host: string;
  /** The script as the host receives it, masked. */
  command: string;
  /** Absent for what has no exit status of its own (an upload, a held process). */
  exit_code?: number;
  output: string;
  duration_ms: number;
}

function indentAfterFirst(text: string): string {
  return text.replace(/\n/g, '\n    ');
}

/** A transport that reports each command, upload and held process to the trace, masked. */
export class TracedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly trace: Trace,
    private readonly masker: SecretMasker,
  ) {}

  get host(): string {
    return this.inner.host;
  }

  async exec(script: string, options?: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    const result = await this.inner.exec(script, options);
    this.trace.command({
      host: this.host,
      command: this.masker.mask(script),
      exit_code: result.code,
      output: this.masker.mask(`${result.stdout}${result.stderr}`),
      duration_ms: Date.now() - started,
    });
    return result;
  }

  async hold(script: string, readyMarker: string): Promise<HeldProcess> {
    const started = Date.now();
    const held = await this.inner.hold(script, readyMarker);
    this.trace.command({
      host: this.host,
      command: `${this.masker.mask(script)}\n# (held until the run ends)`,
      output: this.masker.mask(held.banner),
      duration_ms: Date.now() - started,
    });
    return held;
  }

  async upload(remotePath: string, content: Buffer): Promise<void> {
    const started = Date.now();
    await this.inner.upload(remotePath, content);
    // The content is not shown: it may be a configuration with a secret in it.
    this.trace.command({
      host: this.host,
      command: `# SFTP upload of ${content.length} bytes to ${remotePath}`,
      output: '',
      duration_ms: Date.now() - started,
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

let current = new Trace();

/** Set once per command, before it runs (main's preAction hook). */
export function configureTrace(options: TraceOptions): void {
  current.close();
  current = new Trace(options);
}

export function trace(): Trace {
  return current;
}
