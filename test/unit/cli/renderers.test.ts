import { expect } from 'chai';
import type { EngineEvent } from '../../../src/engine/events.js';
import { JsonRenderer } from '../../../src/cli/output/json.js';
import { PlainRenderer } from '../../../src/cli/output/plain.js';
import { STILL_RUNNING_EVERY_MS } from '../../../src/cli/output/plain.js';
import { capture } from './fixtures/render.js';

/** One run's events: a converged host, a host with a change and a failure, an unreachable host. */
const EVENTS: EngineEvent[] = [
  { type: 'run', run_id: 'r1', mode: 'apply', hosts: ['rs1', 'lb1', 'lb2'] },
  {
    type: 'step',
    host: 'rs1',
    step: 'arp',
    name: 'ARP settings',
    status: 'ok',
    reason: 'set live and at boot',
    duration_ms: 0,
  },
  {
    type: 'step',
    host: 'lb1',
    step: 'conf',
    name: 'keepalived.conf',
    status: 'changed',
    description: 'update /etc/keepalived/keepalived.conf (content)',
    diff: '--- a\n+++ b\n-x\n+y\n',
    duration_ms: 12,
  },
  {
    type: 'step',
    host: 'lb1',
    step: 'build',
    name: 'keepalived built',
    status: 'failed',
    description: 'build keepalived',
    error: {
      message: 'make failed (exit code 2)',
      command: 'make',
      output: 'error: foo.c',
      hint: 'read the output',
    },
    duration_ms: 40,
  },
  {
    type: 'step',
    host: 'lb1',
    step: 'service',
    name: 'keepalived running',
    status: 'not_run',
    reason: 'an earlier step failed',
    duration_ms: 0,
  },
  { type: 'host_end', host: 'rs1', ok: 1, changed: 0, failed: 0, unreachable: false, duration_ms: 5 },
  {
    type: 'host_end',
    host: 'lb1',
    ok: 0,
    changed: 1,
    failed: 1,
    unreachable: false,
    duration_ms: 60,
    error: { message: 'keepalived built: make failed' },
  },
  {
    type: 'host_end',
    host: 'lb2',
    ok: 0,
    changed: 0,
    failed: 0,
    unreachable: true,
    duration_ms: 3000,
    error: { message: 'root@lb2:22: connection refused', hint: 'check sshd' },
  },
  {
    type: 'summary',
    hosts: {
      rs1: { ok: 1, changed: 0, failed: 0, unreachable: false },
      lb1: { ok: 0, changed: 1, failed: 1, unreachable: false },
      lb2: { ok: 0, changed: 0, failed: 0, unreachable: true },
    },
    mode: 'apply',
    changed: 1,
    duration_ms: 3100,
    exit_code: 2,
    flags: ['VRRP-ONLY: lb1 has no IPVS'],
  },
];

describe('renderers: the same event stream for people and for scripts', () => {
  it('--json: one parseable event per line, the summary last', () => {
    const lines = capture((out) => new JsonRenderer(out), EVENTS)
      .trim()
      .split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as { type: string });
    expect(parsed.at(-1)).to.deep.include({ type: 'summary', changed: 1, exit_code: 2 });
    expect(parsed.filter((event) => event.type === 'step')).to.have.length(4);
  });

  it('plain: a line per step, the failure with its command, output and hint, then the summary', () => {
    const text = capture((out) => new PlainRenderer({ showDiffs: true }, out), EVENTS);
    expect(text).to.match(/\[rs1\] ok +ARP settings: set live and at boot/);
    expect(text).to.match(/\[lb1\] changed +keepalived.conf: update/);
    expect(text).to.include('    +y');
    expect(text).to.match(/\[lb1\] FAILED +keepalived built/);
    expect(text)
      .to.include('command:')
      .and.include('error: foo.c')
      .and.include('what to do: read the output');
    expect(text).to.match(/\[lb2\] UNREACHABLE\n +error: root@lb2:22: connection refused/);
    // A step failure is reported once, at the step, not again at the end of its host.
    expect(text.match(/make failed/g)).to.have.length(1);
    expect(text).to.include('!! VRRP-ONLY: lb1 has no IPVS').and.include('Finished with failures');
  });

  it('plain without --diff keeps diffs out of an apply log', () => {
    expect(capture((out) => new PlainRenderer({ showDiffs: false }, out), EVENTS)).not.to.include('+y');
  });

  describe('a long step that reports progress', () => {
    const progress = (step: string, elapsedMs: number, line: string): EngineEvent => ({
      type: 'step_progress',
      host: 'lb1',
      step,
      name: step === 'build' ? 'keepalived built' : 'Build dependencies installed',
      line,
      elapsed_ms: elapsedMs,
    });
    /** EVENTS with a build that reports its output every 5 s for 95 s, and an install before it. */
    const withProgress = (): EngineEvent[] => {
      const build = Array.from({ length: 20 }, (_, index) =>
        progress('build', index * 5000, `gcc -c file${index}.c`),
      );
      const install = [progress('deps', 1200, 'Setting up build-essential (12.9) ...')];
      const at = EVENTS.findIndex((event) => event.type === 'step' && event.step === 'build');
      return [...EVENTS.slice(0, at), ...install, ...build, ...EVENTS.slice(at)];
    };

    it('--json: no progress on the wire, the output exactly as without it', () => {
      const json = (out: NodeJS.WritableStream) => new JsonRenderer(out);
      expect(capture(json, withProgress())).to.equal(capture(json, EVENTS));
    });

    it(`plain: one "running" line per ${STILL_RUNNING_EVERY_MS / 1000} s of a step at most, none for a short one; the rest as without progress`, () => {
      const plain = (out: NodeJS.WritableStream) => new PlainRenderer({ showDiffs: true }, out);
      const lines = capture(plain, withProgress()).split('\n');
      const running = lines.filter((line) => line.startsWith('[lb1] running '));
      expect(running).to.deep.equal([
        '[lb1] running      keepalived built (0:30): gcc -c file6.c',
        '[lb1] running      keepalived built (1:00): gcc -c file12.c',
        '[lb1] running      keepalived built (1:30): gcc -c file18.c',
      ]);
      expect(lines.filter((line) => !line.startsWith('[lb1] running '))).to.deep.equal(
        capture(plain, EVENTS).split('\n'),
      );
    });

    it("plain: each step counts its own time; a host's output is printed escaped", () => {
      const lines = capture(
        (out) => new PlainRenderer({ showDiffs: false }, out),
        [
          progress('deps', 31_000, 'Unpacking libssl-dev ...'),
          progress('build', 29_000, 'gcc -c a.c'),
          progress('build', 31_000, '\x1b[2J\x1b]0;owned\x07\tgcc -c b.c'),
        ],
      )
        .trim()
        .split('\n');
      expect(lines).to.deep.equal([
        '[lb1] running      Build dependencies installed (0:31): Unpacking libssl-dev ...',
        '[lb1] running      keepalived built (0:31): \\u{1b}[2J\\u{1b}]0;owned\\u{7} gcc -c b.c',
      ]);
    });
  });
});
