// Ansible on the namespace lab, for the benchmarks (bench/ansible-noop.ts, bench/noop-apply.ts):
// bench/ansible/noop.yml's inventory and ansible.cfg, the converged hosts' own files for it to copy,
// and one timed ansible-playbook run whose recap must say that nothing changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TopologyHost } from '../../test/support/topology.js';

const PLAYBOOK = resolve(import.meta.dirname, 'noop.yml');

/**
 * The files noop.yml copies, as lbprov wrote them: Ansible's `copy` is then the same no-op as
 * lbprov's file steps (content, mode), which render them from the inventory.
 */
const MANAGED_FILES: Record<'director' | 'real_server', string[]> = {
  director: ['etc/keepalived/keepalived.conf', 'etc/default/keepalived', 'etc/init.d/keepalived'],
  real_server: ['etc/init.d/lbprov-realserver'],
};

export interface AnsibleLab {
  /** ansible.cfg: every setting of the run, so that nothing depends on this machine's own. */
  config: string;
  /** Where ControlPersist keeps its master connections' sockets. */
  controlDir: string;
  hosts: number;
}

/**
 * Writes `work`/ansible.cfg, `work`/hosts.ini and `work`/files/<host>/... for `hosts` (directors and
 * real servers of the lab that is up in `runDir`): forks = the host count, pipelining and
 * ControlPersist on (Ansible's own default ssh_args plus the lab's known_hosts, checked strictly),
 * the interpreter named so that none is discovered.
 */
export function prepareAnsible(options: {
  hosts: TopologyHost[];
  /** lab/topology's VIP and control address (the artifact server's). */
  vip: string;
  control: string;
  runDir: string;
  work: string;
}): AnsibleLab {
  const { hosts, vip, control, runDir, work } = options;
  const files = resolve(work, 'files');
  const controlDir = resolve(work, 'cp');
  rmSync(files, { recursive: true, force: true });
  mkdirSync(controlDir, { recursive: true });
  for (const host of hosts) {
    if (host.role === 'client') continue;
    const into = resolve(files, host.name);
    mkdirSync(into, { recursive: true });
    const archive = execFileSync('ssh', [
      '-F',
      resolve(runDir, 'ssh_config'),
      host.name,
      `tar -C / -cf - ${MANAGED_FILES[host.role].join(' ')}`,
    ]);
    execFileSync('tar', ['-x', '-C', into], { input: archive });
  }
  const group = (role: TopologyHost['role']) =>
    hosts.filter((host) => host.role === role).map((host) => `${host.name} ansible_host=${host.address}`);
  const inventory = resolve(work, 'hosts.ini');
  writeFileSync(
    inventory,
    [
      '[directors]',
      ...group('director'),
      '[real_servers]',
      ...group('real_server'),
      '[all:vars]',
      `vip=${vip}`,
      `control=${control}`,
      `files_dir=${files}`,
      '',
    ].join('\n'),
  );
  const count = hosts.filter((host) => host.role !== 'client').length;
  const config = resolve(work, 'ansible.cfg');
  writeFileSync(
    config,
    [
      '[defaults]',
      `inventory = ${inventory}`,
      `forks = ${count}`,
      'remote_user = root',
      `private_key_file = ${resolve(runDir, 'id_ed25519')}`,
      'host_key_checking = True',
      'interpreter_python = /usr/bin/python3',
      'nocolor = True',
      'retry_files_enabled = False',
      '[ssh_connection]',
      'pipelining = True',
      `ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${resolve(runDir, 'known_hosts')}`,
      `control_path_dir = ${controlDir}`,
      '',
    ].join('\n'),
  );
  return { config, controlDir, hosts: count };
}

/** Ends the master connections ControlPersist keeps, so that the next run connects afresh. */
export function closeConnections(lab: AnsibleLab): void {
  for (const socket of readdirSync(lab.controlDir)) {
    spawnSync('ssh', ['-o', `ControlPath=${resolve(lab.controlDir, socket)}`, '-O', 'exit', 'lab-host'], {
      stdio: 'ignore',
    });
  }
}

/** One run of noop.yml, timed; throws unless every host answered and no task changed or failed. */
export function runAnsible(lab: AnsibleLab): number {
  const started = process.hrtime.bigint();
  const result = spawnSync('ansible-playbook', [PLAYBOOK], {
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_CONFIG: lab.config },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const recap = result.stdout.slice(result.stdout.lastIndexOf('PLAY RECAP'));
  const lines = recap.split('\n').filter((line) => / : ok=\d+/.test(line));
  const quiet = lines.filter((line) => /\schanged=0\s+unreachable=0\s+failed=0\s/.test(line));
  if (result.status !== 0 || lines.length !== lab.hosts || quiet.length !== lab.hosts)
    throw new Error(
      `ansible-playbook exited ${result.status} and did not leave all ${lab.hosts} hosts unchanged:\n${result.stdout.slice(-3000)}${result.stderr}`,
    );
  return ms;
}
