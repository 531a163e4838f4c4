import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const LBPROV = `${REPO}bin/lbprov`;

let built: Promise<void> | undefined;

/**
 * Builds dist/ once per test run, as a user's `npm run build` would. Type errors elsewhere in the
 * tree do not stop tsc from emitting, so only a missing entry point is fatal here.
 */
export function buildOnce(): Promise<void> {
  built ??= new Promise((resolve, reject) => {
    execFile('npm', ['run', 'build'], { cwd: REPO }, (error, stdout) => {
      if (existsSync(`${REPO}dist/cli/main.js`)) resolve();
      else reject(new Error(`npm run build produced no dist/cli/main.js:\n${stdout}\n${String(error)}`));
    });
  });
  return built;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runLbprov(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      LBPROV,
      args,
      { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
