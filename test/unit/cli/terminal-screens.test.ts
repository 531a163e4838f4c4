// What stays on a terminal after apply and status, as a person sees it: the real renderer (the one
// lbprov picks for a terminal) on a pseudo-terminal of 80x24 and of 130x50, replaying recorded runs
// of the lab cluster (fixtures/runs.ts) with their timing, read through a terminal emulator
// (xterm.js): the screen and the lines scrolled above it, not the bytes. The runs are taller than
// the screen (22 and 100 hosts): every host must end as one true line, once, with no spinner or
// waiting mark left behind.
import { expect } from 'chai';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRun, type Run, type Scenario } from './fixtures/runs.js';
import { TerminalRun, type Size } from '../../support/terminal-screen.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SMALL: Size = { rows: 24, columns: 80 };
const LARGE: Size = { rows: 50, columns: 130 };
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏◼]/;
const GLYPH = '[✔✖~]';

interface Case {
  scenario: Scenario;
  hosts: number;
  size: Size;
  /** How much faster than the recorded timing (a cold apply of 100 hosts takes 15 s as recorded). */
  speed: number;
  /** When to stop and read the live view, in ms from the start of the run. */
  pause?: (run: Run) => number;
  /** What sets it apart from another case of the same run and size. */
  label?: string;
}

const BUILDING = 'read while lb2 builds';

const CASES: Case[] = [
  { scenario: 'noop', hosts: 4, size: SMALL, speed: 1 },
  { scenario: 'noop', hosts: 4, size: LARGE, speed: 1 },
  { scenario: 'noop', hosts: 22, size: SMALL, speed: 1 },
  { scenario: 'noop', hosts: 100, size: LARGE, speed: 2 },
  // While the BACKUP builds keepalived.
  {
    scenario: 'cold',
    hosts: 4,
    size: SMALL,
    speed: 3,
    pause: (run) => startOf(run, 'lb2', 'build-keepalived') + 100,
  },
  // Well into the build, its output streaming (fixtures/runs.ts: none in a step's first 40%).
  {
    scenario: 'cold',
    hosts: 4,
    size: SMALL,
    speed: 3,
    pause: (run) => startOf(run, 'lb2', 'build-keepalived') + 300,
    label: BUILDING,
  },
  { scenario: 'cold', hosts: 22, size: SMALL, speed: 4 },
  { scenario: 'cold', hosts: 22, size: LARGE, speed: 4 },
  { scenario: 'trouble', hosts: 4, size: SMALL, speed: 3 },
  { scenario: 'trouble', hosts: 22, size: LARGE, speed: 3 },
  { scenario: 'trouble', hosts: 100, size: SMALL, speed: 6, pause: (run) => run.timeline.at(-1)!.at * 0.4 },
  { scenario: 'status', hosts: 4, size: SMALL, speed: 1 },
  { scenario: 'status', hosts: 22, size: SMALL, speed: 1 },
  { scenario: 'status', hosts: 22, size: LARGE, speed: 1 },
];

/** When `host` starts `step`, in the run's time. */
function startOf(run: Run, host: string, step: string): number {
  return run.timeline.find(
    ({ event }) => event.type === 'step_start' && event.host === host && event.step === step,
  )!.at;
}

const nameOf = (item: Case) =>
  `${item.scenario}, ${item.hosts} hosts, ${item.size.columns}x${item.size.rows}${item.label ? `, ${item.label}` : ''}`;

interface Seen {
  run: Run;
  exitCode: number;
  history: string[];
  screen: string[];
  /** The screen and the lines above it while the run was paused (Case.pause). */
  live?: { screen: string[]; history: string[] };
}

async function play(item: Case): Promise<Seen> {
  const run = buildRun(item.scenario, item.hosts, item.speed);
  const terminal = new TerminalRun(
    `npx tsx test/unit/cli/fixtures/replay.ts ${item.scenario} ${item.hosts} ${item.speed}`,
    item.size,
    { cwd: REPO, ...(item.pause === undefined ? {} : { pauseAt: Math.round(item.pause(run)) }) },
  );
  try {
    let live: Seen['live'];
    if (item.pause !== undefined) {
      await terminal.paused();
      live = { screen: terminal.screen, history: terminal.history };
      terminal.resume();
    }
    const exitCode = await terminal.exitCode();
    return { run, exitCode, history: terminal.history, screen: terminal.screen, ...(live ? { live } : {}) };
  } finally {
    terminal.kill();
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lines that continue the one above them (a long line wrapped to the screen) joined back to it. */
function unwrapped(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (/^ {4}\S/.test(line) && out.length > 0 && /^ {2}\S/.test(out.at(-1)!))
      out[out.length - 1] += ` ${line.trim()}`;
    else out.push(line);
  }
  return out;
}

/** Every line that starts `host`'s block: its outcome, in the history. */
function outcomeLines(history: readonly string[], host: string): string[] {
  return history.filter((line) => new RegExp(`^${GLYPH} ${escape(host)}: `).test(line));
}

/** The lines below a host's outcome line: its changes, failures and not-run count, unwrapped. */
function blockOf(history: readonly string[], host: string): string[] {
  const start = history.findIndex((line) => new RegExp(`^${GLYPH} ${escape(host)}: `).test(line));
  const end = history.findIndex((line, index) => index > start && !line.startsWith('  '));
  return unwrapped(history.slice(start + 1, end === -1 ? undefined : end)).map((line) => line.slice(2));
}

/** The outcome line each host must end with, a clock (m:ss) where its time is. */
function expectedOutcome(run: Run, host: string): RegExp {
  const end = run.ends.get(host)!;
  const role = run.hosts.find((candidate) => candidate.name === host)!.role;
  const dry = run.mode !== 'apply';
  const counts = [
    ...(end.failed > 0 ? [`${end.failed} failed`] : []),
    ...(end.changed > 0 ? [`${end.changed} ${dry ? 'would change' : 'changed'}`] : []),
    ...(end.ok > 0 || (end.failed === 0 && end.changed === 0) ? [`${end.ok} ok`] : []),
  ].join(', ');
  const [glyph, outcome] = end.unreachable
    ? ['✖', `UNREACHABLE${run.steps.get(host)!.length > 0 ? ` after ${counts}` : ''}`]
    : end.failed > 0
      ? ['✖', counts]
      : end.changed > 0
        ? [dry ? '~' : '✔', counts]
        : ['✔', `${counts}, ${run.mode === 'status' ? 'converged' : 'nothing to change'}`];
  return new RegExp(`^${escape(glyph)} ${escape(`${host}: ${role}`)} +\\d+:\\d\\d  ${escape(outcome)}$`);
}

/** The lines expected under a host that did its work: each change it made (or would), in order. */
function expectedChanges(run: Run, host: string): string[] {
  const mark = run.mode === 'apply' ? '✔' : '~';
  return run.steps
    .get(host)!
    .filter((step) => ['changed', 'would_change', 'may_change'].includes(step.status))
    .map((step) => `${mark} ${step.name}${step.description ? `: ${step.description}` : ''}`);
}

/** Hosts whose fate in the `trouble` run is not a plain cold apply, and what must stay under them. */
const TROUBLE_BLOCKS: Record<string, string[]> = {
  rs1: [
    '✖ UNREACHABLE: root@192.168.56.21:22: connect ECONNREFUSED; what to do: check that sshd runs on rs1 and that port 22 is open',
  ],
  rs2: [
    '✔ arp_ignore=1 and arp_announce=2, now and at boot: set arp_ignore=1, arp_announce=2 (live and in /etc/sysctl.conf)',
    '✔ real-server script /etc/init.d/lbprov-realserver: create /etc/init.d/lbprov-realserver (mode 0755)',
    '✔ real-server systemd unit: create /etc/systemd/system/lbprov-realserver.service',
    '✔ VIP 192.168.56.200/32 on lo (lo:0), enabled at boot: start lbprov-realserver; enable it at boot',
    '✔ Redis installed: apt-get install redis-server',
    // Seven steps and the restart handler it would have needed: never reported, the host was lost.
    '⚠ 8 steps not run',
    '✖ UNREACHABLE: rs2 stopped answering (3 keepalives unanswered); what to do: check the network, then run apply again',
  ],
  lb2: [
    '✔ Build dependencies installed: apt-get install build-essential libssl-dev libpopt-dev libnl-3-dev libnl-genl-3-dev',
    '✔ Source folder /usr/local/src/lbprov: create /usr/local/src/lbprov',
    '✔ keepalived 1.2.0 source fetched: download keepalived-1.2.0.tar.gz (SHA-256 checked)',
    '✔ keepalived source unpacked: unpack into /usr/local/src/lbprov/keepalived-1.2.0',
    '✖ keepalived 1.2.0 built with LVS and installed: make failed (exit code 2)',
    // Fourteen steps reported not run, and the two handlers with them.
    '⚠ 16 steps not run (an earlier step failed)',
    '✖ FAILED: keepalived 1.2.0 built with LVS and installed: make failed (exit code 2); what to do: read the output above; the how-to builds keepalived 1.2.0 against OpenSSL 1.0',
  ],
  lb1: ['✖ FAILED: not run: lb2 failed first; what to do: fix that host, then run apply again'],
};

/** The run's last line, as the summary (or status's verdict) has it. */
function verdict(run: Run): RegExp {
  switch (run.mode) {
    case 'status':
      return run.steps.get('rs2')!.some((step) => step.status === 'would_change')
        ? /^DRIFTED \(exit code 6\)/
        : /^Converged/;
    default: {
      const ends = [...run.ends.values()];
      if (ends.some((end) => end.failed > 0 || end.unreachable)) return /^Finished with failures in [\d.]+s/;
      const changed = ends.reduce((sum, end) => sum + end.changed, 0);
      return changed === 0
        ? /^Nothing to change: the cluster is converged \([\d.]+s\)\.$/
        : new RegExp(`^${changed} steps changed in [\\d.]+s\\.$`);
    }
  }
}

describe('the terminal view, as it stays on screen (pseudo-terminal, terminal emulator)', function () {
  this.timeout(240_000);
  const seen = new Map<Case, Seen>();

  before(async () => {
    // Three runs at a time: each is a process on its own pseudo-terminal.
    const queue = [...CASES];
    await Promise.all(
      [0, 1, 2].map(async () => {
        for (let item = queue.shift(); item; item = queue.shift()) seen.set(item, await play(item));
      }),
    );
  });

  for (const item of CASES) {
    describe(nameOf(item), () => {
      const get = () => seen.get(item)!;

      it('ends with every host as one outcome line, true to its end, and nothing left running', () => {
        const { run, exitCode, history } = get();
        expect(exitCode).to.equal(0);
        for (const host of run.hosts) {
          const lines = outcomeLines(history, host.name);
          expect(lines, host.name).to.have.length(1);
          expect(lines[0], host.name).to.match(expectedOutcome(run, host.name));
        }
        // A line of the live view left behind: a spinner, a waiting mark, the count of hidden hosts.
        expect(history.filter((line) => SPINNER.test(line) || /^… and \d+ more/.test(line))).to.deep.equal(
          [],
        );
        expect(history.filter((line) => /connecting, reading facts|\bwaiting$/.test(line))).to.deep.equal([]);
        // A running step's clock and last line (a build's, an install's) live only while it runs.
        expect(history.filter((line) => /\(\d+:\d\d\): /.test(line))).to.deep.equal([]);
      });

      it('under each host, only what changed, failed or did not run: no skipped step, no warning sign for one', () => {
        const { run, history } = get();
        for (const host of run.hosts) {
          const expected =
            item.scenario === 'trouble' && TROUBLE_BLOCKS[host.name]
              ? TROUBLE_BLOCKS[host.name]
              : expectedChanges(run, host.name);
          expect(blockOf(history, host.name), host.name).to.deep.equal(expected);
        }
        expect(history.filter((line) => /skipped|not needed|↓/.test(line))).to.deep.equal([]);
        expect(
          history.filter((line) => line.includes('⚠') && !/⚠ \d+ steps? not run/.test(line)),
        ).to.deep.equal([]);
      });

      it('the screen ends with the verdict, the summary printed once', () => {
        const { run, history, screen } = get();
        const shown = screen.filter((line) => line.trim() !== '');
        expect(shown.at(-1)).to.match(verdict(run));
        expect(screen.filter((line) => SPINNER.test(line))).to.deep.equal([]);
        expect(
          history.filter((line) => line === (run.mode === 'status' ? 'Drift:' : 'Summary:')),
        ).to.have.length(1);
      });
    });
  }

  it('a run that fits the screen: every host line on the screen itself (no-op, 4 hosts, 130x50)', () => {
    const item = CASES.find((candidate) => candidate.hosts === 4 && candidate.size === LARGE)!;
    const { run, screen } = seen.get(item)!;
    for (const host of run.hosts) expect(outcomeLines(screen, host.name), host.name).to.have.length(1);
  });

  it('while it runs: finished hosts above, for good; below, one line per unfinished host with its step and clock', () => {
    const item = CASES.find((candidate) => candidate.scenario === 'cold' && candidate.pause)!;
    const { live } = seen.get(item)!;
    const shown = live!.screen.filter((line) => line.trim() !== '');
    // The MASTER waits for its group while the BACKUP builds keepalived (a minute or more, live).
    expect(shown.slice(-2)).to.have.length(2);
    expect(shown.at(-2)).to.match(
      /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] lb2: director \(BACKUP\) +\d+:\d\d {2}keepalived 1\.2\.0 built with LVS and installed$/,
    );
    expect(shown.at(-1)).to.match(/^◼ lb1: director \(MASTER\) +waiting$/);
    for (const host of ['rs1', 'rs2']) expect(outcomeLines(live!.history, host), host).to.have.length(1);
    expect(live!.history.filter((line) => SPINNER.test(line))).to.have.length(2);
  });

  it("while a build runs: its host's line shows the step, the step's own clock and the build's last line, cut to the screen", () => {
    const item = CASES.find((candidate) => candidate.label === BUILDING)!;
    const { run, live } = seen.get(item)!;
    const pauseAt = Math.round(item.pause!(run));
    // What the build printed last before the pause (replay.ts sends every event before it).
    const printed = run.timeline
      .map(({ at, event }) =>
        at < pauseAt && event.type === 'step_progress' && event.host === 'lb2' ? event : undefined,
      )
      .filter((event) => event !== undefined);
    const last = printed.at(-1)!;
    expect(last.step).to.equal('build-keepalived');
    const shown = live!.screen.filter((line) => line.trim() !== '');
    expect(shown.at(-1)).to.match(/^◼ lb1: director \(MASTER\) +waiting$/);
    // 80 columns: the step's name cut to make room for its clock and the line (as much as fits).
    const line = shown.at(-2)!;
    const parts =
      /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] lb2: director \(BACKUP\) +\d+:\d\d {2}keepalived 1\.2\.… \(\d+:\d\d\): (.+)…$/.exec(
        line,
      );
    expect(parts, line).to.not.equal(null);
    expect(last.line.startsWith(parts![1]!), `${parts![1]} is not the start of ${last.line}`).to.equal(true);
    expect(parts![1]!.length).to.be.at.least(20);
    expect(line.length).to.equal(SMALL.columns - 1);
  });

  it('more hosts than rows: the live view stays inside the screen, the rest counted on one line', () => {
    const item = CASES.find((candidate) => candidate.scenario === 'trouble' && candidate.pause)!;
    const { live } = seen.get(item)!;
    const region = live!.screen.filter((line) => SPINNER.test(line) || /^… and \d+ more/.test(line));
    expect(region.length).to.be.within(2, SMALL.rows - 4);
    expect(region.at(-1)).to.match(/^… and \d+ more: (\d+ running, )?\d+ waiting$/);
    // Columns: what each host does (or `waiting`) starts at the same place on every line, after the
    // longest host label of the run (a mark, the label, two spaces, the clock in 5 columns, two spaces).
    const column = `◼ ${'lb1: director (MASTER)'}  ${'0:00'.padStart(5)}  `.length;
    const starts = region.slice(0, -1).map((line) => {
      const clock = /\d+:\d\d {2}/.exec(line);
      return clock ? clock.index + clock[0].length : line.indexOf('waiting');
    });
    expect(starts).to.deep.equal(starts.map(() => column));
    // Only the screen holds live lines: none scrolled away above it, where they could not be redrawn.
    const above = live!.history.slice(0, live!.history.length - SMALL.rows);
    expect(above.filter((line) => SPINNER.test(line) || line.startsWith('… and '))).to.deep.equal([]);
    expect(live!.screen.filter((line) => line.length > SMALL.columns)).to.deep.equal([]);
  });
});

describe('the terminal view with -v: every step, as plain lines that stay where they are', function () {
  this.timeout(60_000);

  it('a no-op apply on a terminal lists every step, skipped ones included, without a live view', async () => {
    const terminal = new TerminalRun('npx tsx test/unit/cli/fixtures/replay.ts noop 4 1 -v', SMALL, {
      cwd: REPO,
    });
    try {
      expect(await terminal.exitCode()).to.equal(0);
      const history = terminal.history;
      expect(history).to.include('[rs1] ok           arp_ignore=1 and arp_announce=2, now and at boot');
      expect(history.filter((line) => line.startsWith('[lb1] skipped '))).to.have.length(5);
      expect(history.filter((line) => SPINNER.test(line) || /^[✔✖] /.test(line))).to.deep.equal([]);
    } finally {
      terminal.kill();
    }
  });
});
