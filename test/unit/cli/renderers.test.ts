import { expect } from 'chai';
import type { EngineEvent } from '../../../src/engine/events.js';
import { JsonRenderer } from '../../../src/cli/output/json.js';
import { PlainRenderer } from '../../../src/cli/output/plain.js';
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
});
