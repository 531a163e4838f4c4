import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectHosts } from '../../../src/cli/host-selection.js';
import { tempLabInventory } from '../../support/temp-dir.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const entry = (name: string, host: string) => ({ name, host }) as never;
const INVENTORY = {
  directors: [entry('lb1', '192.168.56.10'), entry('lb2', '192.168.56.11')],
  real_servers: [entry('rs1', '192.168.56.21'), entry('rs2', '192.168.56.22')],
};

describe('--limit: which hosts a run touches', () => {
  const rows: { limits: string[]; hosts: string[] | undefined }[] = [
    { limits: [], hosts: undefined },
    { limits: ['lb1,rs1'], hosts: ['lb1', 'rs1'] },
    { limits: ['lb1', 'rs2'], hosts: ['lb1', 'rs2'] }, // repeated: both count, not the last
    { limits: ['192.168.56.22'], hosts: ['rs2'] },
    { limits: ['real_servers'], hosts: ['rs1', 'rs2'] },
    { limits: ['directors, rs1'], hosts: ['lb1', 'lb2', 'rs1'] },
    { limits: ['rs*'], hosts: ['rs1', 'rs2'] },
    { limits: ['192.168.56.1?'], hosts: ['lb1', 'lb2'] },
  ];
  for (const { limits, hosts } of rows) {
    it(`${JSON.stringify(limits)} -> ${JSON.stringify(hosts)}`, () => {
      const selection = selectHosts(INVENTORY, limits);
      expect(selection && 'hosts' in selection ? [...selection.hosts].sort() : selection).to.deep.equal(
        hosts,
      );
    });
  }

  it('a pattern that selects nothing is named, with what exists', () => {
    expect(selectHosts(INVENTORY, ['lb1', 'lb3,web*'])).to.deep.equal({
      unknown: ['lb3', 'web*'],
      known: ['directors', 'real_servers', 'lb1', 'lb2', 'rs1', 'rs2'],
    });
  });

  const lbprov = (args: string[]) =>
    spawnSync(join(REPO, 'bin', 'lbprov'), args, {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, LBPROV_AUTH_PASS: 'Unit7Pw' },
    });

  for (const command of [
    ['apply'],
    ['destroy'],
    ['status'],
    ['verify'],
    ['drill', 'failover'],
    ['drill', 'realserver'],
  ])
    it(`lbprov ${command.join(' ')} --limit with an unknown host: exit 1, before any connection`, () => {
      const run = lbprov([...command, tempLabInventory(), '--limit', 'rs1', '--limit', 'rs9']);
      expect(run.status, run.stderr).to.equal(1);
      expect(run.stderr).to.include(
        '--limit selects no host with rs9; the inventory has: directors, real_servers, lb1',
      );
    });

  it('lbprov drill failover with a director left out: exit 1 naming it, before any connection', () => {
    const run = lbprov(['drill', 'failover', tempLabInventory(), '--limit', 'lb1']);
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stderr).to.include(
      'lbprov: drill failover needs both directors, and --limit leaves out lb2 (BACKUP); add it to --limit (e.g. --limit directors) or leave --limit out\n',
    );
  });

  it('lbprov drill realserver on a real server --limit leaves out: exit 1, before any connection', () => {
    const run = lbprov(['drill', 'realserver', tempLabInventory(), 'rs1', '--limit', 'rs2']);
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stderr).to.include('--limit leaves out rs1, the real server to drill (it selects rs2)');
  });
});
