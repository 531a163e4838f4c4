// Start-up cost of the CLI, without the lab: node bench/startup.mjs [rounds] [checkout ...]
// Times, per built checkout (default: this one), `lbprov --version`, `lbprov validate` of the lab
// inventory, importing apply's module graph (dist/cli/commands/apply.js), and
// `lbprov apply --dry-run` of the same inventory pointed at a closed port of this machine:
// that apply loads and runs everything a no-op apply does before its first SSH packet, then finds
// every host refusing at once (exit 3). The inventory may not name this machine (a loopback
// address is refused as a host), so its hosts are names that an OpenSSH client config maps to
// 127.0.0.1, as `ssh.config_file` allows. Each command is timed twice over: wall clock, and CPU
// time (user + system, read by GNU time, /usr/bin/time), which a machine busy with other work
// inflates much less. Checkouts are timed in turns, round by round, so that a busy machine slows
// each of them alike; medians and minimums in milliseconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';

const here = resolve(import.meta.dirname, '..');
const [roundsArg, ...checkouts] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 15);
const roots = checkouts.length > 0 ? checkouts.map((root) => resolve(root)) : [here];

const scratch = mkdtempSync(join(tmpdir(), 'lbprov-startup-'));
const inventory = join(scratch, 'inventory.yaml');
writeFileSync(
  inventory,
  readFileSync(join(here, 'inventory/lab.yaml'), 'utf8')
    .replace(/^(\s*host:) 192\.168\.56\.(\d+)$/gm, '$1 closed-$2.invalid')
    .replace(/^(\s*)port: 22$/m, '$1port: 1\n$1config_file: ./ssh_config')
    .replace(/\.\.\/lab\/\.run\//g, './'),
);
writeFileSync(join(scratch, 'ssh_config'), 'Host *\n  HostName 127.0.0.1\n');
writeFileSync(join(scratch, 'known_hosts'), '');
spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'id_ed25519')]);

const lbprov =
  (...args) =>
  (root) => [join(root, 'bin/lbprov'), args];
const cases = [
  { name: '--version', command: lbprov('--version'), status: 0 },
  { name: 'validate', command: lbprov('validate', join(here, 'inventory/lab.yaml')), status: 0 },
  {
    name: 'import apply graph',
    command: (root) => [
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(join(root, 'dist/cli/commands/apply.js'))})`,
      ],
    ],
    status: 0,
  },
  { name: 'apply --dry-run (refused)', command: lbprov('apply', '--dry-run', inventory), status: 3 },
];
const env = { ...process.env, LBPROV_AUTH_PASS: 'Lab7Pw9' };

const cpuFile = join(scratch, 'cpu');

function time(root, { command, status }) {
  const [file, args] = command(root);
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, file, ...args], {
    env,
    encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== status) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.status}\n${result.stderr}`);
  }
  // GNU time writes "Command exited with non-zero status N" first when it is not 0.
  const [user, system] = readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: (user + system) * 1000 };
}

const samples = new Map(roots.flatMap((root) => cases.map((c) => [`${root}\t${c.name}`, []])));
for (let round = 0; round < rounds; round += 1) {
  for (const c of cases) {
    for (const root of roots) samples.get(`${root}\t${c.name}`).push(time(root, c));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => value.toFixed(0).padStart(5);
const figures = (values) => `median ${ms(median(values))}  min ${ms(Math.min(...values))}`;
for (const [key, values] of samples) {
  const [root, name] = key.split('\t');
  const wall = values.map((value) => value.wall);
  const cpu = values.map((value) => value.cpu);
  process.stdout.write(`${root}  ${name.padEnd(26)} wall ${figures(wall)}   cpu ${figures(cpu)}\n`);
}
