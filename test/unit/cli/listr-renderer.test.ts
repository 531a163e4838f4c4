// The terminal view on a real pseudo-terminal, fed a run's events through the renderer's API
// (fixtures/listr-outcomes.ts): a host that cannot be reached, is lost or fails is shown failed, in
// red, with one line of cause and fix, never with a check mark; the steps that did not run are one
// line per host, not a column of "not run".
import { expect } from 'chai';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PtySession } from '../init/pty-session.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RED_CROSS = '\x1b[31m✖\x1b[39m';

/** The task tree as it stays on screen: its last frame, without the lines printed below it. */
function lastFrame(screen: string): string[] {
  const lines = screen.split(/\r?\n/);
  const first = lines.findLastIndex((line) => line.includes('rs1: real server'));
  const after = lines.findIndex((line, index) => index > first && line.startsWith('[rs1] UNREACHABLE'));
  return lines.slice(first, after);
}

/** The lines under `host`'s line, up to the next host's. */
function under(frame: string[], host: string): string[] {
  const start = frame.findIndex((line) => line.includes(`${host}: `));
  const next = frame.findIndex((line, index) => index > start && /^\S/.test(line));
  return frame.slice(start + 1, next === -1 ? undefined : next).map((line) => line.trim());
}

describe('terminal renderer (listr2)', function () {
  this.timeout(30_000);
  let frame: string[];
  let output: string;

  before(async () => {
    const session = new PtySession(
      'stty cols 160 rows 60; npx tsx test/unit/cli/fixtures/listr-outcomes.ts',
      { cwd: REPO },
    );
    try {
      expect(await session.exitCode()).to.equal(0);
      frame = lastFrame(session.screen);
      output = session.output;
    } finally {
      session.kill();
    }
  });

  it('an unreachable host: a red cross, and one line saying unreachable, why and what to do', () => {
    expect(frame[0]).to.equal('✖ rs1: real server');
    expect(output).to.include(`${RED_CROSS} rs1: real server`);
    expect(under(frame, 'rs1')).to.deep.equal([
      '✖ UNREACHABLE: root@192.168.56.21:22: connection refused; what to do: check that sshd runs',
    ]);
    expect(frame.filter((line) => line.includes('rs1') && line.includes('✔'))).to.deep.equal([]);
  });

  it('a host lost mid-run: its steps so far, the rest counted, then unreachable with why, in red', () => {
    expect(frame).to.include('✖ rs2: real server');
    expect(output).to.include(`${RED_CROSS} rs2: real server`);
    expect(under(frame, 'rs2')).to.deep.equal([
      '✔ step-01',
      '✔ step-02',
      '⚠ 13 steps not run',
      '✖ UNREACHABLE: rs2 stopped answering (3 keepalives unanswered); what to do: check the network, then run apply again',
    ]);
  });

  it('a failed host: red, the failed step, one count line instead of a line per step not run, then why', () => {
    expect(frame).to.include('✖ lb1: director (MASTER)');
    expect(output).to.include(`${RED_CROSS} lb1: director (MASTER)`);
    expect(under(frame, 'lb1')).to.deep.equal([
      '✔ step-01',
      '✖ step-02: make failed (exit code 2)',
      // Twelve steps reported not run, and the handler, which never reported, with them.
      '⚠ 13 steps not run (an earlier step failed)',
      '✖ FAILED: step-02: make failed (exit code 2); what to do: read the output',
    ]);
  });

  it('a converged host: a check mark and its steps, with no count or trouble line', () => {
    expect(frame).to.include('✔ lb2: director (BACKUP)');
    const lines = under(frame, 'lb2');
    expect(lines.filter((line) => line.startsWith('✔ step-'))).to.have.length(14);
    expect(lines.filter((line) => /not run|UNREACHABLE|FAILED/.test(line))).to.deep.equal([]);
  });
});
