// The terminal view on a real pseudo-terminal, read through a terminal emulator, fed a run's events
// through the renderer's API (fixtures/listr-outcomes.ts): a host that cannot be reached, is lost
// or fails is shown failed, in red, with one line of cause and fix, never with a check mark; the
// steps that did not run are one line per host, not a column of "not run"; a host that did its
// work is one line with its counts, its steps that were fine not listed.
import { expect } from 'chai';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TerminalRun } from '../../support/terminal-screen.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RED_CROSS = '\x1b[31m✖\x1b[39m';

/** The lines under `host`'s line, up to the next host's; a line wrapped to the screen joined back. */
function under(history: string[], host: string): string[] {
  const start = history.findIndex((line) => line.includes(`${host}: `));
  const next = history.findIndex((line, index) => index > start && /^\S/.test(line));
  const lines: string[] = [];
  for (const line of history.slice(start + 1, next === -1 ? undefined : next)) {
    if (line.startsWith('    ') && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line.trim());
  }
  return lines.filter(Boolean);
}

describe('terminal renderer (listr2, compact)', function () {
  this.timeout(30_000);
  let history: string[];
  let output: string;

  before(async () => {
    const terminal = new TerminalRun(
      'npx tsx test/unit/cli/fixtures/listr-outcomes.ts',
      { rows: 24, columns: 80 },
      { cwd: REPO },
    );
    try {
      expect(await terminal.exitCode()).to.equal(0);
      history = terminal.history;
      output = terminal.output;
    } finally {
      terminal.kill();
    }
  });

  it('an unreachable host: a red cross, and one line saying unreachable, why and what to do', () => {
    expect(history).to.include('✖ rs1: real server         0:00  UNREACHABLE');
    expect(output).to.include(`${RED_CROSS} rs1: real server`);
    expect(under(history, 'rs1')).to.deep.equal([
      '✖ UNREACHABLE: root@192.168.56.21:22: connection refused; what to do: check that sshd runs',
    ]);
    expect(history.filter((line) => line.includes('rs1') && line.includes('✔'))).to.deep.equal([]);
  });

  it('a host lost mid-run: the rest counted, then unreachable with why, in red', () => {
    expect(history).to.include('✖ rs2: real server         0:00  UNREACHABLE after 2 ok');
    expect(output).to.include(`${RED_CROSS} rs2: real server`);
    expect(under(history, 'rs2')).to.deep.equal([
      '⚠ 13 steps not run',
      '✖ UNREACHABLE: rs2 stopped answering (3 keepalives unanswered); what to do: check the network, then run apply again',
    ]);
  });

  it('a failed host: red, the failed step, one count line instead of a line per step not run, then why', () => {
    expect(history).to.include('✖ lb1: director (MASTER)   0:00  1 failed, 1 ok');
    expect(output).to.include(`${RED_CROSS} lb1: director (MASTER)`);
    expect(under(history, 'lb1')).to.deep.equal([
      '✖ step-02: make failed (exit code 2)',
      // Twelve steps reported not run, and the handler, which never reported, with them.
      '⚠ 13 steps not run (an earlier step failed)',
      '✖ FAILED: step-02: make failed (exit code 2); what to do: read the output',
    ]);
  });

  it('a converged host: a check mark and its counts, its steps not listed', () => {
    expect(history).to.include('✔ lb2: director (BACKUP)   0:00  14 ok, nothing to change');
    // The handler nobody notified on a host that did its work was not needed: not a line, not a warning.
    expect(under(history, 'lb2')).to.deep.equal([]);
    expect(history.filter((line) => line.includes('step-') && line.includes('✔'))).to.deep.equal([]);
  });

  it('the whole of each error follows the hosts, once', () => {
    const start = history.indexOf('[rs1] UNREACHABLE');
    expect(start).to.be.above(history.findIndex((line) => line.includes('lb2: director')));
    expect(history.slice(start)).to.include.members(['[rs2] UNREACHABLE', '[lb1] step-02 FAILED']);
    expect(history.filter((line) => line === '[lb1] step-02 FAILED')).to.have.length(1);
  });
});
