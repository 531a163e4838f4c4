// `lbprov destroy` asks before it changes anything, and never without a person to answer. Both cases
// stop before any host is contacted, so they need no lab: the lab inventory only names the hosts
// (its key and known_hosts are stand-ins here: lbprov reads them before it asks, and the lab's own
// exist only while the lab is up).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PtySession } from '../init/pty-session.js';
import { tempLabInventory } from '../../support/temp-dir.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ENV = { LBPROV_AUTH_PASS: 'Unit7Pw' };

const INVENTORY = tempLabInventory();

describe('lbprov destroy confirmation', function () {
  this.timeout(30_000);

  it('on a terminal: lists the hosts in destroy order, defaults to no, and changes nothing on no', async () => {
    const session = new PtySession(`./bin/lbprov destroy ${INVENTORY}`, { cwd: REPO, env: ENV });
    try {
      await session.expect(
        /lb1 \(director \(MASTER\)\)\s+lb2 \(director \(BACKUP\)\)\s+rs1 \(real server\)\s+rs2 \(real server\)/,
      );
      await session.answer('Undo lbprov on these hosts? (y/N)', 'n');
      await session.expect('lbprov: nothing was changed: destroy was not confirmed');
      expect(await session.exitCode()).to.equal(130);
    } finally {
      session.kill();
    }
  });

  it('without a terminal and without --yes: refuses with exit code 1 and says to pass --yes', () => {
    const result = spawnSync('./bin/lbprov', ['destroy', INVENTORY], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, ...ENV },
    });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('pass --yes');
    expect(result.stdout).to.equal('');
  });

  it('never asks for the VRRP password, which it does not need: straight to the confirmation', async () => {
    // The session's environment is PATH, HOME and the terminal's: LBPROV_AUTH_PASS is not set.
    const session = new PtySession(`./bin/lbprov destroy ${INVENTORY}`, { cwd: REPO });
    try {
      await session.answer('Undo lbprov on these hosts? (y/N)', 'n');
      expect(await session.exitCode()).to.equal(130);
      expect(session.screen).not.to.include('VRRP auth_pass');
    } finally {
      session.kill();
    }
    const { LBPROV_AUTH_PASS: _unset, ...withoutAuthPass } = process.env;
    const noTerminal = spawnSync('./bin/lbprov', ['destroy', INVENTORY], {
      cwd: REPO,
      encoding: 'utf8',
      env: withoutAuthPass,
    });
    expect(noTerminal.status, noTerminal.stderr).to.equal(1);
    expect(noTerminal.stderr).to.include('pass --yes').and.not.include('VRRP auth_pass');
  });
});
