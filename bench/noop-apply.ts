// No-op re-apply versus its floor, measured in one run on the namespace lab:
//   npm run lab:up && LBPROV_AUTH_PASS=... npx tsx bench/noop-apply.ts [rounds]
// Prints median wall times of (a) `lbprov apply inventory/lab.yaml` on a converged lab and (b) a
// Node process that connects to the same hosts in parallel and runs `true`, and their ratio.
// When `ansible-playbook` is installed (apt-get install ansible-core) and the lab's hosts have
// Python (lab.sh up --with-python), it also times bench/ansible/noop.yml, the same job written for
// Ansible, on the same converged hosts (bench/ansible-noop.ts compares the two at several sizes).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readTopology } from '../test/support/topology.js';
import { prepareAnsible, runAnsible } from './ansible/setup.js';
import { median } from './measure.js';

const root = resolve(import.meta.dirname, '..');
const inventory = resolve(root, 'inventory/lab.yaml');
const identity = resolve(root, 'lab/.run/id_ed25519');
// inventory/lab.yaml's hosts: lab/topology's base directors and real servers.
const topology = readTopology();
const managed = topology.hosts.filter((host) => host.role !== 'client');
const hosts = managed.map((host) => host.address);
const rounds = Number(process.argv[2] ?? 7);
process.env.LBPROV_AUTH_PASS ??= 'Lab7Pw9';

function time(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  return elapsed;
}

// Converge first: the benchmark is about the no-op case.
const warm = spawnSync(resolve(root, 'bin/lbprov'), ['apply', inventory, '--json'], {
  cwd: root,
  encoding: 'utf8',
});
const summary = JSON.parse(warm.stdout.trim().split('\n').at(-1) ?? '{}') as { changed?: number };
if (warm.status !== 0)
  throw new Error(`the lab does not converge: ${warm.stdout.slice(-2000)}${warm.stderr}`);
const check = spawnSync(resolve(root, 'bin/lbprov'), ['apply', inventory, '--json'], {
  cwd: root,
  encoding: 'utf8',
});
const noop = JSON.parse(check.stdout.trim().split('\n').at(-1) ?? '{}') as { changed?: number };
if (noop.changed !== 0)
  throw new Error(`a re-apply still changed ${noop.changed} steps (first run changed ${summary.changed})`);

// Ansible needs Python on the hosts; the namespace lab's hosts have none (lbprov needs only sh).
const hostsHavePython =
  spawnSync('ssh', ['-F', resolve(root, 'lab/.run/ssh_config'), hosts[0]!, 'command -v python3'], {
    encoding: 'utf8',
  }).status === 0;
const ansible = existsSync('/usr/bin/ansible-playbook') && hostsHavePython;
const ansibleLab = ansible
  ? prepareAnsible({
      hosts: managed,
      vip: topology.vip,
      control: topology.control,
      runDir: resolve(root, 'lab/.run'),
      work: resolve(root, 'bench/.work/ansible'),
    })
  : undefined;

const lbprovTimes: number[] = [];
const floorTimes: number[] = [];
const ansibleTimes: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  lbprovTimes.push(time(resolve(root, 'bin/lbprov'), ['apply', inventory, '--json']));
  floorTimes.push(time(process.execPath, [resolve(root, 'bench/floor.mjs'), identity, ...hosts]));
  // Ansible's ControlPersist keeps its SSH connections open from one round to the next.
  if (ansibleLab) ansibleTimes.push(runAnsible(ansibleLab));
}
const lbprovMs = median(lbprovTimes);
const floorMs = median(floorTimes);
console.log(
  `no-op apply over ${hosts.length} lab hosts, median of ${rounds} rounds (one run, this machine):`,
);
console.log(`  lbprov apply (converged):  ${lbprovMs.toFixed(0)} ms`);
console.log(`  floor (connect + true):    ${floorMs.toFixed(0)} ms`);
console.log(`  ratio lbprov / floor:      ${(lbprovMs / floorMs).toFixed(2)}x  (goal: within 2x)`);
if (ansible) {
  const ansibleMs = median(ansibleTimes);
  console.log(`  ansible-playbook (no-op):  ${ansibleMs.toFixed(0)} ms`);
  console.log(`  ratio ansible / lbprov:    ${(ansibleMs / lbprovMs).toFixed(1)}x`);
} else {
  console.log(
    hostsHavePython
      ? '  ansible-playbook: not installed (apt-get install ansible-core to compare)'
      : '  ansible-playbook: not run: the hosts have no Python, which Ansible needs (lbprov needs only sh; lab.sh up --with-python gives them Python)',
  );
}
console.log(`  node ${process.version}; ${execFileSync('nproc').toString().trim()} cpus`);
