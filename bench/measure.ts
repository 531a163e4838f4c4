// What every benchmark here measures the same way: medians, and the floor (bench/floor.mjs
// connecting to the hosts with ssh2 and running `true`).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The middle value (the upper one of an even count): a noisy machine's outliers do not move it. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Milliseconds for bench/floor.mjs to connect to every address in parallel and run `true`. */
export function timedFloor(addresses: string[], runDir = resolve(root, 'lab/.run')): number {
  const started = process.hrtime.bigint();
  execFileSync(
    process.execPath,
    [resolve(root, 'bench/floor.mjs'), resolve(runDir, 'id_ed25519'), ...addresses],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}
