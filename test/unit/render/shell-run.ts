import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/temp-dir.js';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[]): RunResult {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes an executable file into a fresh temporary directory (removed after the run) and returns its path. */
export function writeExecutable(name: string, content: string): string {
  const path = join(tempDir('lbprov-render-'), name);
  writeFileSync(path, content, { mode: 0o755 });
  return path;
}

/** `sh -n`: the script parses as POSIX sh (dash on Debian). */
export function shSyntaxErrors(path: string): string {
  const result = run('sh', ['-n', path]);
  return result.status === 0 ? '' : result.stderr;
}
