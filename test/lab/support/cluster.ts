// Runs the lbprov CLI, as a user would, against the lab inventory; the procedure, destroy and
// verify tests share it. The VRRP password is a test-only sentinel, so tests can grep every
// captured byte for it.
import { resolve } from 'node:path';
import { LAB_INVENTORY, REPO_ROOT, run, type ExecResult } from './lab.js';

/** 7 characters: keepalived 1.2.x (the lab inventory's version) reads no more. */
export const LAB_AUTH_PASS = 'Lab7Pw9';
export const LBPROV = resolve(REPO_ROOT, 'bin/lbprov');

export interface CliRun extends ExecResult {
  /** The JSON events, when the command ran with --json. */
  events: Record<string, unknown>[];
  /** The last JSON line (the summary object), when there is one. */
  summary?: {
    type: 'summary';
    changed: number;
    exit_code: number;
    duration_ms: number;
    flags: string[];
    hosts: Record<string, { ok: number; changed: number; failed: number; unreachable: boolean }>;
  };
}

/** `lbprov <args...>` with the lab's password in the environment; never rejects on a non-zero exit. */
export async function lbprov(
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const result = await run(
    'env',
    [
      `LBPROV_AUTH_PASS=${LAB_AUTH_PASS}`,
      ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      LBPROV,
      ...args,
    ],
    {
      timeoutMs: options.timeoutMs ?? 900_000,
    },
  );
  const events = args.includes('--json')
    ? result.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    : [];
  const last = events.at(-1);
  return {
    ...result,
    events,
    ...(last?.type === 'summary' ? { summary: last as unknown as CliRun['summary'] } : {}),
  };
}

/** Applies the lab inventory until it is converged (a no-op when it already is). */
export async function ensureConverged(): Promise<CliRun> {
  const result = await lbprov(['apply', LAB_INVENTORY, '--json']);
  if (result.code !== 0) {
    throw new Error(
      `lbprov apply on the lab failed (exit ${result.code}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`,
    );
  }
  return result;
}
