// Helpers for the Vagrant lab's end-to-end test (test/vagrant/**): the lab's addresses and files,
// commands on the guests over the same strict-host-key SSH a user would use, and the lbprov CLI.
// The lab's subnet and run dir follow lab/vagrant.sh's settings (LBPROV_LAB_SUBNET,
// LBPROV_LAB_RUN_DIR), so the same test runs on a development subnet; with the defaults it uses
// inventory/lab.yaml itself.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTopology, testHostAddresses, TEST_HOST_NAMES, type LabHost } from '../support/topology.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_RUN_DIR = resolve(REPO_ROOT, 'lab', '.run');
export const RUN_DIR = resolve(process.env.LBPROV_LAB_RUN_DIR ?? DEFAULT_RUN_DIR);
const DEFAULT_TOPOLOGY = readTopology();
export const SUBNET = process.env.LBPROV_LAB_SUBNET ?? DEFAULT_TOPOLOGY.subnet;
/** lab/topology's base hosts, on this run's subnet: the guests lab/vagrant.sh brings up. */
const TOPOLOGY = readTopology({ subnet: SUBNET });
export const SSH_CONFIG = resolve(RUN_DIR, 'ssh_config');
export const KNOWN_HOSTS = resolve(RUN_DIR, 'known_hosts');
export const IDENTITY_FILE = resolve(RUN_DIR, 'id_ed25519');
/** inventory/lab.yaml, or lab/vagrant.sh's copy of it for another subnet or run dir. */
export const INVENTORY =
  process.env.LBPROV_VAGRANT_INVENTORY ??
  (SUBNET === DEFAULT_TOPOLOGY.subnet && RUN_DIR === DEFAULT_RUN_DIR
    ? resolve(REPO_ROOT, 'inventory', 'lab.yaml')
    : resolve(RUN_DIR, 'vagrant', 'lab.yaml'));
export const LBPROV = process.env.LBPROV_BIN ?? resolve(REPO_ROOT, 'bin', 'lbprov');

export const VIP = TOPOLOGY.vip;
export const HOSTS = testHostAddresses(TOPOLOGY);
export type Host = LabHost;
export const HOST_NAMES: readonly Host[] = TEST_HOST_NAMES;

/** A test-only sentinel: every captured byte is checked for it (7 characters, keepalived 1.2.x's limit). */
export const AUTH_PASS = 'Lab7Pw9';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a process; resolves with its exit code (124 on timeout) and output, never rejects on exit codes. */
export function run(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      {
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        env: options.env ?? process.env,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.killed) {
          reject(error);
          return;
        }
        resolvePromise({ code: error ? (error.killed ? 124 : Number(error.code)) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** A shell command on a guest: root, the lab key, the lab's known_hosts, StrictHostKeyChecking yes. */
export function onHost(host: Host, command: string, timeoutMs = 120_000): Promise<ExecResult> {
  return run(
    'ssh',
    ['-F', SSH_CONFIG, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', host, '--', command],
    { timeoutMs },
  );
}

/** Like onHost, but rejects unless the command exits 0; resolves with its stdout. */
export async function onHostOk(host: Host, command: string, timeoutMs = 120_000): Promise<string> {
  const r = await onHost(host, command, timeoutMs);
  if (r.code !== 0) throw new Error(`${host}: \`${command}\` exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export async function labIsUp(): Promise<boolean> {
  if (![SSH_CONFIG, KNOWN_HOSTS, IDENTITY_FILE, INVENTORY].every((f) => existsSync(f))) return false;
  const results = await Promise.all(HOST_NAMES.map((h) => onHost(h, 'true', 30_000)));
  return results.every((r) => r.code === 0);
}

export interface CliRun extends ExecResult {
  events: Record<string, unknown>[];
  summary?: { type: 'summary'; changed: number; exit_code: number; flags: string[] };
}

/** `lbprov <args...>` with the lab's VRRP password in the environment. */
export async function lbprov(args: string[], timeoutMs = 5_400_000): Promise<CliRun> {
  const result = await run(LBPROV, args, {
    timeoutMs,
    env: { ...process.env, LBPROV_AUTH_PASS: AUTH_PASS },
  });
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

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Polls `probe` until it returns a value `accept` takes; returns it with the milliseconds it took. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 500,
): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (accept(value)) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs)
      throw new Error(`${what}: not reached after ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await sleep(intervalMs);
  }
}
