// How lbprov's cost grows with the cluster, against the SSH floor, measured in ONE run:
//   sudo LBPROV_AUTH_PASS=... npx tsx bench/scale.ts [sizes] [rounds] [checkout ...]   e.g. 4,20,100 5
// For each size (hosts: two directors and size-2 real servers) it brings the namespace lab up
// with that many real servers (lab/lab.sh up --real-servers N: lab/topology's hosts), converges it
// with an inventory generated from inventory/lab.yaml and the hosts that came up, then times,
// median of `rounds`: `lbprov apply` (a no-op), `lbprov apply --dry-run`, `lbprov status`, and
// the floor (bench/floor.mjs: one Node process connecting to every host in parallel with the same
// library and running `true`). It prints a table of ratios to the floor and writes
// bench/.work/scale.csv. The lab is taken down at the end.
// Given built checkouts (say, copies of dist/, bin/, playbooks/ and package.json before and after
// a change), their lbprov is timed instead of this one's, on the same lab (the first converges it),
// in turns round by round, so that a machine busy with other work slows each of them alike: a
// before/after in one run.
// Ansible runs in bench/ansible-noop.ts, on a lab whose hosts have python3 (`lab.sh up --with-python`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeScaledInventory } from '../test/support/lab-inventory.js';
import { runningLabHosts } from '../test/support/topology.js';
import { median, timedFloor } from './measure.js';

const root = resolve(import.meta.dirname, '..');
const lab = resolve(root, 'lab/lab.sh');
const runDir = resolve(root, 'lab/.run');
const work = resolve(root, 'bench/.work');
const sizes = (process.argv[2] ?? '4,20,100').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 5);
const given = process.argv.slice(4).map((checkout) => resolve(checkout));
const checkouts = given.length > 0 ? given : [root];
process.env.LBPROV_AUTH_PASS ??= 'Lab7Pw9';

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function timed(args: string[], checkout = root): { ms: number; summary: Record<string, unknown> } {
  const started = process.hrtime.bigint();
  const result = spawnSync(resolve(checkout, 'bin/lbprov'), args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const last = result.stdout.trim().split('\n').at(-1) ?? '{}';
  return { ms, summary: JSON.parse(last) as Record<string, unknown> };
}

mkdirSync(work, { recursive: true });
const rows: string[] = [
  'hosts,checkout,floor_ms,noop_ms,dry_run_ms,status_ms,noop_ratio,dry_run_ratio,status_ratio,lab_up_s,lab_pss_mib',
];
const table: string[] = [];
try {
  for (const size of sizes) {
    sh('bash', [lab, 'down']);
    const up = process.hrtime.bigint();
    sh('bash', [lab, 'up', '--real-servers', String(size - 2)]);
    const upS = Number(process.hrtime.bigint() - up) / 1e9;
    const labStatus = spawnSync('bash', [lab, 'status'], { cwd: root, encoding: 'utf8' });
    const pss = /memory \(PSS of lab processes\): (\d+) MiB/.exec(labStatus.stdout + labStatus.stderr)?.[1];
    const labHosts = runningLabHosts(runDir);
    const hosts = labHosts.filter((host) => host.role !== 'client');
    const inventory = writeScaledInventory(runDir, labHosts, resolve(work, `scale-${hosts.length}.yaml`));
    const cold = timed(['apply', inventory, '--json'], checkouts[0]);
    if (cold.summary.exit_code !== 0)
      throw new Error(`${size} hosts: cold apply exited ${String(cold.summary.exit_code)}`);
    const addresses = hosts.map((host) => host.address);
    const times = checkouts.map(() => ({
      noop: [] as number[],
      dryRun: [] as number[],
      status: [] as number[],
    }));
    const floor: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      for (const [i, checkout] of checkouts.entries()) {
        const again = timed(['apply', inventory, '--json'], checkout);
        if (again.summary.changed !== 0)
          throw new Error(
            `${size} hosts: a re-apply by ${checkout} changed ${String(again.summary.changed)}`,
          );
        times[i]!.noop.push(again.ms);
        times[i]!.dryRun.push(timed(['apply', inventory, '--dry-run', '--json'], checkout).ms);
        times[i]!.status.push(timed(['status', inventory, '--json'], checkout).ms);
      }
      floor.push(timedFloor(addresses));
    }
    const f = median(floor);
    for (const [i, checkout] of checkouts.entries()) {
      const [n, d, s] = [median(times[i]!.noop), median(times[i]!.dryRun), median(times[i]!.status)];
      rows.push(
        [size, checkout, f, n, d, s, n / f, d / f, s / f, upS, pss ?? '']
          .map((v) => (typeof v === 'number' ? v.toFixed(2) : v))
          .join(','),
      );
      table.push(
        `| ${size}${checkouts.length > 1 ? ` (${checkout})` : ''} | ${f.toFixed(0)} ms | ${n.toFixed(0)} ms (${(n / f).toFixed(2)}x) | ${d.toFixed(0)} ms (${(d / f).toFixed(2)}x) | ${s.toFixed(0)} ms (${(s / f).toFixed(2)}x) | cold apply ${(cold.ms / 1000).toFixed(0)} s, lab up ${upS.toFixed(1)} s, ${pss ?? '?'} MiB |`,
      );
      console.log(table.at(-1));
    }
  }
} finally {
  sh('bash', [lab, 'down']);
}
writeFileSync(resolve(work, 'scale.csv'), `${rows.join('\n')}\n`);
console.log(
  `\nmedian of ${rounds} rounds per size, one run, this machine (${execFileSync('nproc').toString().trim()} cpus, node ${process.version}):`,
);
console.log('| hosts | floor (connect + true) | apply, no-op | apply --dry-run | status | lab |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const line of table) console.log(line);
console.log(`CSV: ${resolve(work, 'scale.csv')}`);
