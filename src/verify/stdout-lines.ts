import type { ExecOptions, ExecResult } from '../transport/types.js';

/**
 * An `onOutput` that hands over each complete line a long-running client script prints on stdout,
 * as it arrives (pieces of a line are joined; stderr is left to the result).
 */
export function stdoutLines(onLine: (line: string) => void): NonNullable<ExecOptions['onOutput']> {
  let pending = '';
  return (text, stream) => {
    if (stream !== 'stdout') return;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
}

/** A script whose connection failed, as a result: its error where its output would be. */
export function execFailure(error: unknown): ExecResult {
  return { code: -1, stdout: '', stderr: error instanceof Error ? error.message : String(error) };
}
