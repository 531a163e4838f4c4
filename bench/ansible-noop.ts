// lbprov against Ansible on the same no-op job, measured in ONE run:
//   sudo LBPROV_AUTH_PASS=... npx tsx bench/ansible-noop.ts [sizes] [rounds]     e.g. 4,20 7
// Needs ansible-playbook on this machine (apt-get install ansible-core); lbprov's tests do not.
// For each size (hosts: two directors and size-2 real servers) it brings the namespace lab up with
// Python on its hosts (lab/lab.sh up --with-python --real-servers N), converges it with lbprov (an
// inventory generated from inventory/lab.yaml, as bench/scale.ts does), checks that a re-apply
// changes nothing and that bench/ansible/noop.yml (the same checks, written as Ansible tasks)
// leaves every host unchanged, then times, median of `rounds`, each round in turns so that a
// machine busy with other work slows each alike:
//   - `lbprov apply` on the converged lab (a no-op);
//   - the floor (bench/floor.mjs: connect to every host in parallel and run `true`);
//   - ansible-playbook with no connection open: each run connects, as lbprov does;
//   - ansible-playbook again at once, on the connections ControlPersist kept open.
// Ansible runs with forks = the host count, pipelining and ControlPersist on (its documented speed
// settings) and the lab's known_hosts checked strictly (bench/ansible/setup.ts). It prints a table
// of medians and ratios and writes bench/.work/ansible-noop.csv. The lab is taken down at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeScaledInventory } from '../test/support/lab-inventory.js';
import { readTopology, runningLabHosts } from '../test/support/topology.js';
import { closeConnections, prepareAnsible, runAnsible, type AnsibleLab } from './ansible/setup.js';
import { median, timedFloor } from './measure.js';

const root = resolve(import.meta.dirname, '..');
const lab = resolve(root, 'lab/lab.sh');
const runDir = resolve(root, 'lab/.run');
const work = resolve(root, 'bench/.work');
const sizes = (process.argv[2] ?? '4,20').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 7);
process.env.LBPROV_AUTH_PASS ??= 'Lab7Pw9';

if (!existsSync('/usr/bin/ansible-playbook'))
  throw new Error('ansible-playbook is not installed: apt-get install ansible-core');

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** One `lbprov apply`, timed, with its JSON summary (the last line). */
function apply(inventory: string): { ms: number; summary: { exit_code?: number; changed?: number } } {
  const started = process.hrtime.bigint();
  const result = spawnSync(resolve(root, 'bin/lbprov'), ['apply', inventory, '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, summary: JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as never };
}

function noop(inventory: string, size: number): number {
  const { ms, summary } = apply(inventory);
  if (summary.exit_code !== 0 || summary.changed !== 0)
    throw new Error(`${size} hosts: a re-apply exited ${summary.exit_code} with ${summary.changed} changed`);
  return ms;
}

const ms = (value: number) => (value >= 10000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`);
const x = (value: number) => `${value.toFixed(value >= 10 ? 1 : 2)}x`;

mkdirSync(work, { recursive: true });
const rows = [
  'hosts,rounds,floor_ms,lbprov_ms,ansible_first_ms,ansible_cold_ms,ansible_warm_ms,lbprov_floor,ansible_cold_floor,ansible_warm_floor,ansible_cold_lbprov,ansible_warm_lbprov',
];
const table: string[] = [];
let ansible: AnsibleLab | undefined;
try {
  for (const size of sizes) {
    sh('bash', [lab, 'down']);
    sh('bash', [lab, 'up', '--with-python', '--real-servers', String(size - 2)]);
    const labHosts = runningLabHosts(runDir);
    const hosts = labHosts.filter((host) => host.role !== 'client');
    const inventory = writeScaledInventory(
      runDir,
      labHosts,
      resolve(work, `ansible-noop-${hosts.length}.yaml`),
    );
    const cold = apply(inventory);
    if (cold.summary.exit_code !== 0)
      throw new Error(`${size} hosts: the cold apply exited ${cold.summary.exit_code}`);
    noop(inventory, size);
    const { vip, control } = readTopology();
    ansible = prepareAnsible({ hosts, vip, control, runDir, work: resolve(work, 'ansible') });
    // Ansible's first run on these hosts: no connection open, nothing cached on either side.
    const first = runAnsible(ansible);
    const addresses = hosts.map((host) => host.address);
    const times = {
      lbprov: [] as number[],
      floor: [] as number[],
      cold: [] as number[],
      warm: [] as number[],
    };
    for (let round = 0; round < rounds; round += 1) {
      times.lbprov.push(noop(inventory, size));
      times.floor.push(timedFloor(addresses));
      closeConnections(ansible);
      times.cold.push(runAnsible(ansible));
      times.warm.push(runAnsible(ansible));
    }
    closeConnections(ansible);
    const f = median(times.floor);
    const l = median(times.lbprov);
    const c = median(times.cold);
    const w = median(times.warm);
    rows.push(
      [size, rounds, f, l, first, c, w, l / f, c / f, w / f, c / l, w / l].map((v) => v.toFixed(2)).join(','),
    );
    table.push(
      `| ${size} | ${ms(f)} | ${ms(l)} (${x(l / f)}) | ${ms(c)} (${x(c / f)}) | ${ms(w)} (${x(w / f)}) | ${x(c / l)} | ${x(w / l)} |`,
    );
    console.log(`${table.at(-1)}  (Ansible's very first run: ${ms(first)})`);
  }
} finally {
  if (ansible) closeConnections(ansible);
  sh('bash', [lab, 'down']);
}
writeFileSync(resolve(work, 'ansible-noop.csv'), `${rows.join('\n')}\n`);
const version = execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0];
console.log(
  `\nno-op on a converged lab, median of ${rounds} rounds per size, one run, this machine (${execFileSync('nproc').toString().trim()} cpus, node ${process.version}, ${version}):`,
);
console.log(
  '| hosts | floor (connect + `true`) | lbprov apply, no-op | ansible-playbook, no connection open | ansible-playbook, ControlPersist connections open | Ansible / lbprov (no connection open) | Ansible / lbprov (connections open) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const line of table) console.log(line);
console.log(`CSV: ${resolve(work, 'ansible-noop.csv')}`);
