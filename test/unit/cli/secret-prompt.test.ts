// The VRRP password asked for on a terminal (its environment variable unset) obeys the rule the
// inventory file and the environment obey. The run stops before any host is contacted: no lab.
import { expect } from 'chai';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PtySession } from '../init/pty-session.js';
import { tempLabInventory } from '../../support/temp-dir.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BACKSPACES = '\x7f'.repeat(20);

describe('the VRRP password prompt of apply', function () {
  this.timeout(30_000);

  it("refuses 1 character and more than keepalived 1.2.0 reads, with the inventory's words; Ctrl-C exits 130", async () => {
    // The session's environment is PATH, HOME and the terminal's: LBPROV_AUTH_PASS is not set.
    const session = new PtySession(`./bin/lbprov apply ${tempLabInventory()} --dry-run`, {
      cwd: REPO,
    });
    try {
      await session.answer('VRRP auth_pass (LBPROV_AUTH_PASS is not set)', 'x');
      await session.expect('is 1 character; lbprov needs at least 2');
      session.type(`${BACKSPACES}Ab3456789\r`);
      await session.expect('is 9 characters; keepalived 1.2.0 uses at most 7');
      session.type('\x03');
      expect(await session.exitCode()).to.equal(130);
      expect(session.screen).not.to.include('Ab3456789');
    } finally {
      session.kill();
    }
  });
});
