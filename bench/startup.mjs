// Start-up cost of the CLI, without the lab: node bench/startup.mjs [rounds] [checkout ...]
// Times, per built checkout (default: this one), `lbprov --version`, `lbprov validate` of the lab
// inventory, importing apply's module graph (dist/cli/commands/apply.js), and
// `lbprov apply --dry-run` of the same inventory pointed at closed loopback ports:
// that apply loads and runs everything a no-op apply does before its first SSH packet, then finds
// every host refusing at once (exit 3). Checkouts are timed in turns, round by round, so that a
// busy machine slows each of them alike; medians and minimums in milliseconds.
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
    .replace(/192\.168\.56\.(\d+)/g, '127.0.0.$1')
    .replace(/^(\s*port:) 22$/m, '$1 1')
    .replace(/\.\.\/lab\/\.run\//g, './'),
);
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

function time(root, { command, status }) {
  const [file, args] = command(root);
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, { env, encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== status) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.status}\n${result.stderr}`);
  }
  return elapsed;
}

const samples = new Map(roots.flatMap((root) => cases.map((c) => [`${root}\t${c.name}`, []])));
for (let round = 0; round < rounds; round += 1) {
  for (const c of cases) {
    for (const root of roots) samples.get(`${root}\t${c.name}`).push(time(root, c));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => value.toFixed(0).padStart(5);
for (const [key, values] of samples) {
  const [root, name] = key.split('\t');
  process.stdout.write(
    `${root}  ${name.padEnd(26)} median ${ms(median(values))}  min ${ms(Math.min(...values))}\n`,
  );
}
