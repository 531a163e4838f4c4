// Shared helpers for the lab tests (test/lab/**): the lab's addresses (lab/topology's) and files,
// and a way to run a command on a lab host over the same SSH a user would use (strict host key
// checking).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTopology, testHostAddresses, TEST_HOST_NAMES, type LabHost } from '../../support/topology.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const LAB_SCRIPT = resolve(REPO_ROOT, 'lab', 'lab.sh');
export const LAB_RUN_DIR = resolve(REPO_ROOT, 'lab', '.run');
export const LAB_SSH_CONFIG = resolve(LAB_RUN_DIR, 'ssh_config');
export const LAB_KNOWN_HOSTS = resolve(LAB_RUN_DIR, 'known_hosts');
export const LAB_IDENTITY_FILE = resolve(LAB_RUN_DIR, 'id_ed25519');
/** The how-to's versions: keepalived 1.2.0, ipvsadm 1.26. */
export const LAB_INVENTORY = resolve(REPO_ROOT, 'inventory', 'lab.yaml');
/** The same cluster with the current releases: keepalived 2.2.7, ipvsadm 1.31. */
export const LAB_CURRENT_INVENTORY = resolve(REPO_ROOT, 'inventory', 'lab-current.yaml');

/** The five-host lab the tests run on: lab/topology's base hosts. */
export const LAB_TOPOLOGY = readTopology();
export const CONTROL_ADDRESS = LAB_TOPOLOGY.control;
export const VIP = LAB_TOPOLOGY.vip;
export const VIP_CIDR = `${VIP}/${LAB_TOPOLOGY.prefixLength}`;
export const ARTIFACTS_URL = `http://${CONTROL_ADDRESS}:8080`;
export const APT_PROXY_URL = `http://${CONTROL_ADDRESS}:3142`;

export type { LabHost } from '../../support/topology.js';
export const LAB_HOSTS = testHostAddresses(LAB_TOPOLOGY);
export const LAB_HOST_NAMES: readonly LabHost[] = TEST_HOST_NAMES;
const named = (role: string) =>
  LAB_TOPOLOGY.hosts.filter((host) => host.role === role).map((host) => host.name as LabHost);
export const DIRECTORS: readonly LabHost[] = named('director');
export const REAL_SERVERS: readonly LabHost[] = named('real_server');

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LabExecOptions {
  /** Milliseconds before the ssh process is killed (the result then has code 124). */
  timeoutMs?: number;
  /** Extra `ssh -o` options, e.g. `UserKnownHostsFile=/some/other/file`. */
  sshOptions?: string[];
  /** Written to the remote command's standard input. */
  input?: string;
}

/** Runs any process and resolves with its exit code and output; never rejects on a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number' && !error.killed) {
          // The process could not be started at all (e.g. ENOENT): that is a broken test setup.
          reject(error);
          return;
        }
        const code = error ? (error.killed ? 124 : Number(error.code)) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/**
 * Runs `command` (a shell command line) on a lab host through the system ssh with the lab's
 * ssh_config: root, the lab key, the lab's known_hosts, StrictHostKeyChecking yes.
 * `code` is the remote command's exit code (255 when ssh itself failed).
 */
export function labExec(
  host: LabHost | string,
  command: string,
  options: LabExecOptions = {},
): Promise<ExecResult> {
  const args = ['-F', LAB_SSH_CONFIG, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
  for (const o of options.sshOptions ?? []) args.push('-o', o);
  args.push(host, '--', command);
  return run('ssh', args, { timeoutMs: options.timeoutMs ?? 120_000, input: options.input });
}

/** Like labExec, but rejects unless the command exits 0; resolves with its stdout. */
export async function labExecOk(
  host: LabHost | string,
  command: string,
  options: LabExecOptions = {},
): Promise<string> {
  const r = await labExec(host, command, options);
  if (r.code !== 0) {
    throw new Error(`${host}: \`${command}\` exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r.stdout;
}

/** True when the lab's SSH files exist and every host answers over SSH. */
export async function labIsUp(): Promise<boolean> {
  if (![LAB_SSH_CONFIG, LAB_KNOWN_HOSTS, LAB_IDENTITY_FILE].every((f) => existsSync(f))) return false;
  const results = await Promise.all(
    LAB_HOST_NAMES.map((h) => labExec(h, 'true', { timeoutMs: 10_000, sshOptions: ['ConnectTimeout=3'] })),
  );
  return results.every((r) => r.code === 0);
}
