// The terminal view on a real pseudo-terminal: a host that cannot be reached is shown failed, not
// with a check mark above a column of "not run".
import { expect } from 'chai';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PtySession } from '../init/pty-session.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('terminal renderer (listr2)', function () {
  this.timeout(30_000);

  it('shows an unreachable host failed, with why, and a reached host converged', async () => {
    const session = new PtySession(
      'stty cols 120 rows 40; npx tsx test/unit/cli/fixtures/listr-unreachable.ts',
      { cwd: REPO },
    );
    try {
      expect(await session.exitCode()).to.equal(0);
      const lines = session.screen.split(/\r?\n/);
      expect(session.screen).to.include('✖ rs1: UNREACHABLE: root@192.168.56.21:22: connection refused');
      expect(lines.filter((line) => line.includes('rs1') && line.includes('✔'))).to.deep.equal([]);
      // The screen keeps every frame: the last one is what stays.
      expect(lines.filter((line) => line.includes('lb1: director (MASTER)')).at(-1)).to.match(/✔/);
    } finally {
      session.kill();
    }
  });
});
