// --json when a command stops early: JSON lines on stdout, the last line (drill's `result`, the
// others' `summary`) carrying the exit code, nothing on stderr. Before any host is contacted: the
// inventory's findings with file, line, column and key, then one `error`. With every host
// unreachable: the lab's inventory pointed, through an OpenSSH config, at a closed port on this
// machine, so no lab is needed and none is touched.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { buildOnce, runLbprov, type CliRun } from '../inventory/run-cli.js';
import { tempDir, tempLabInventory } from '../../support/temp-dir.js';

type Event = Record<string, unknown>;

const AUTH = { LBPROV_AUTH_PASS: 'Unit7Pw' };

/** Every command that connects, with its --json last line's type. */
const COMMANDS: { args: string[]; last: 'summary' | 'result' }[] = [
  { args: ['apply'], last: 'summary' },
  { args: ['apply', '--dry-run'], last: 'summary' },
  { args: ['destroy', '--yes'], last: 'summary' },
  { args: ['status'], last: 'summary' },
  { args: ['verify'], last: 'summary' },
  { args: ['drill', 'failover'], last: 'result' },
  { args: ['drill', 'realserver'], last: 'result' },
];

/** `lbprov <command> <file> <extra> --json`: the inventory goes right after the (sub)command. */
async function runJson(
  command: string[],
  file: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = AUTH,
): Promise<CliRun> {
  const words = command[0] === 'drill' ? 2 : 1;
  return runLbprov([...command.slice(0, words), file, ...command.slice(words), ...extra, '--json'], env);
}

/** stdout as JSON lines, every line parsed (one that is not JSON fails the test), after the exit code and an empty stderr. */
function jsonLines(run: CliRun, what: string, exitCode: number): Event[] {
  expect(run.code, `${what}: ${run.stderr}`).to.equal(exitCode);
  expect(run.stderr, what).to.equal('');
  return run.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
}

/** The contract every stop before any change obeys: one `error`, and the last line repeating it. */
function stopped(run: CliRun, what: string, exitCode: number, last: string): Event[] {
  const events = jsonLines(run, what, exitCode);
  const errors = events.filter((event) => event.type === 'error' && 'exit_code' in event);
  expect(errors, what).to.have.length(1);
  expect(errors[0], what).to.include({ exit_code: exitCode });
  expect(events.at(-1), what).to.include({ type: last, exit_code: exitCode });
  expect(events.at(-1)!.error, what).to.equal(errors[0]!.message);
  return events;
}

describe('--json when a command cannot start', function () {
  // A dozen CLI starts each; a busy 2-core machine takes a second or more per start.
  this.timeout(120_000);
  before(() => buildOnce());

  it('an invalid inventory: its findings with file, line, column and key, the error, the last line (exit 4)', async () => {
    const file = join(tempDir('lbprov-json-'), 'inventory.yaml');
    writeFileSync(file, 'ssh:\n  port: 0\n');
    for (const { args, last } of COMMANDS) {
      const what = args.join(' ');
      const events = stopped(await runJson(args, file), what, 4, last);
      // As `lbprov validate --json` reports it: one event per finding, errors and warnings.
      expect(
        events.find((event) => event.path === 'ssh.port'),
        what,
      ).to.deep.include({
        type: 'error',
        file,
        line: 2,
        column: 9,
        severity: 'error',
      });
      expect(
        events.filter((event) => event.type === 'error' && 'line' in event),
        what,
      ).to.have.length(6);
      expect(
        events.filter((event) => event.type === 'warning'),
        what,
      ).to.have.length(1);
      expect(String(events.at(-1)!.error), what).to.include('invalid; nothing was contacted');
    }
  });

  it('a --limit that selects no host: a usage error naming it, the last line (exit 1)', async () => {
    const inventory = tempLabInventory();
    for (const { args, last } of COMMANDS) {
      const what = args.join(' ');
      const events = stopped(await runJson(args, inventory, ['--limit', 'rs9']), what, 1, last);
      expect(String(events.at(-1)!.error), what).to.include('--limit selects no host with rs9');
      // The inventory's warnings come first, as events pinned to their key, not as text on stderr.
      expect(events[0], what).to.include({ type: 'warning', file: inventory, path: 'vrrp.auth_type' });
    }
  });

  it('drill: a --limit that rules the drill out, and a host argument that is no real server (exit 1)', async () => {
    const inventory = tempLabInventory();
    const failover = stopped(
      await runJson(['drill', 'failover'], inventory, ['--limit', 'lb1']),
      'failover --limit lb1',
      1,
      'result',
    );
    expect(failover.at(-1)).to.include({ drill: 'failover', restored: true });
    expect(String(failover.at(-1)!.error)).to.include('--limit leaves out lb2 (BACKUP)');
    const unknown = stopped(
      await runJson(['drill', 'realserver'], inventory, ['rs9']),
      'realserver rs9',
      1,
      'result',
    );
    expect(String(unknown.at(-1)!.error)).to.include('rs9 is not a real server of the inventory');
    const several = stopped(
      await runJson(['drill', 'realserver'], inventory, ['--limit', 'real_servers']),
      'realserver --limit real_servers',
      1,
      'result',
    );
    expect(String(several.at(-1)!.error)).to.include('narrow --limit to one');
  });

  it('apply without the secret it needs (exit 4); destroy without --yes and without a terminal (exit 1)', async () => {
    const inventory = tempLabInventory();
    const secret = stopped(
      await runJson(['apply'], inventory, [], {}),
      'apply without the secret',
      4,
      'summary',
    );
    expect(String(secret.at(-1)!.error)).to.include('LBPROV_AUTH_PASS, which is not set');
    const destroy = stopped(await runJson(['destroy'], inventory), 'destroy without --yes', 1, 'summary');
    expect(String(destroy.at(-1)!.error)).to.include('pass --yes');
  });
});

/** A port nothing listens on: one the kernel just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The lab's inventory with a real key, every host (by the lab's addresses) dialled at a closed port. */
async function unreachableInventory(): Promise<string> {
  const file = tempLabInventory();
  const dir = dirname(file);
  rmSync(join(dir, 'id_ed25519'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
  writeFileSync(
    join(dir, 'ssh_config'),
    `Host 192.168.56.*\n  HostName 127.0.0.1\n  Port ${await closedPort()}\n`,
  );
  // The inventory's port would win over the config's.
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}port: 22$/m, '  config_file: ssh_config'));
  return file;
}

describe('--json when no host can be reached', function () {
  this.timeout(120_000);
  before(() => buildOnce());

  it('every command: JSON lines only, the last line with exit 3', async () => {
    const inventory = await unreachableInventory();
    for (const { args, last } of COMMANDS) {
      const what = args.join(' ');
      const target = args[1] === 'realserver' ? ['rs1'] : [];
      const events = jsonLines(await runJson(args, inventory, target), what, 3);
      expect(events.at(-1), what).to.include({ type: last, exit_code: 3 });
    }
  });

  it('a drill that cannot start: the error says which host and what to do; nothing was changed', async () => {
    const run = await runJson(['drill', 'realserver'], await unreachableInventory(), ['rs1']);
    const events = stopped(run, 'drill realserver', 3, 'result');
    expect(String(events.at(-2)!.hint)).to.match(/^check that sshd runs on 127\.0\.0\.1 port \d+/);
    expect(String(events.at(-1)!.error)).to.match(
      /^rs1 is unreachable: .*connection refused; nothing was changed$/,
    );
    expect(events.at(-1)).to.include({ restored: true });
  });
});
