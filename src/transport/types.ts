/** The only surface through which lbprov touches a host. */

export interface ExecResult {
  /** Exit status; -1 when the remote process was killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Bytes written to the remote process's standard input, then closed. */
  stdin?: string | Buffer;
  /**
   * Each piece of output as it arrives (a long build is seen alive before it ends); the result
   * still carries all of it. A piece may end in the middle of a line, never inside a character.
   */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/** A long-running remote process that lives until released or until the connection drops. */
export interface HeldProcess {
  /** Output printed before the process settled (what it printed up to its first newline-terminated marker). */
  readonly banner: string;
  release(): Promise<void>;
}

export interface Transport {
  /** The host's label, for messages. */
  readonly host: string;
  /** Runs a POSIX shell script as root (through sudo when the host is configured with become). */
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a script that keeps running until released; resolves once the script printed a line
   * equal to `readyMarker` or exited.
   */
  hold(script: string, readyMarker: string): Promise<HeldProcess>;
  /** Uploads bytes to a path the connecting user can write (used for atomic writes: temp file + rename). */
  upload(remotePath: string, content: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** Raised when a host cannot be reached or refused: the run reports the host as unreachable. */
export class UnreachableError extends Error {
  constructor(
    readonly host: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}
