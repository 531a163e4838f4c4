import { expect } from 'chai';
import type { EngineEvent } from '../../../src/engine/events.js';
import { prepareSteps } from '../../../src/engine/plan.js';
import { run, RunExit, type RunJob } from '../../../src/engine/run.js';
import { parsePlaybook } from '../../../src/playbook/load.js';
import { UnreachableError, type Transport } from '../../../src/transport/types.js';
import { MASK, SecretMasker } from '../../../src/util/mask.js';
import { DEBIAN } from '../steps/support.js';
import { FakeHost, raw, type Raw } from './fake-transport.js';

const SECRET = 's3cret-pw';
const PLAYBOOK = parsePlaybook(
  `
role: director
description: run test playbook
steps:
  - id: conf
    name: secret-bearing configuration
    module: file
    args: { path: /etc/app/secret.conf, content: "{{ conf }}", mode: "0600" }
`,
  'run-test.yaml',
);

function jobFor(name: string, group = 0): RunJob {
  const vars = { conf: `auth_pass ${SECRET}\n` };
  return {
    name,
    role: 'director',
    group,
    steps: prepareSteps(PLAYBOOK.steps, vars, name),
    handlers: [],
    vars,
  };
}

function answers(conf: Raw, extra: Record<string, Raw> = {}): Record<string, Raw> {
  return {
    host: raw.host(DEBIAN),
    'file:/etc/app/secret.conf': conf,
    'lbprov-record': raw.record(undefined),
    'lbprov-lock': raw.lockFree,
    ...extra,
  };
}

const CONVERGED = raw.file(`auth_pass ${SECRET}\n`, { mode: '600' });

async function runWith(
  mode: 'apply' | 'dry-run',
  hosts: {
    job: RunJob;
    answers?: Record<string, Raw>;
    connect?: () => Promise<Transport>;
    truncate?: number;
  }[],
) {
  const events: EngineEvent[] = [];
  const fakes = new Map<string, FakeHost>();
  const masker = new SecretMasker();
  masker.add(SECRET);
  const outcome = await run({
    mode,
    jobs: hosts.map((host) => host.job),
    concurrency: 4,
    masker,
    emit: (event) => events.push(event),
    connect: async (job) => {
      const host = hosts.find((candidate) => candidate.job.name === job.name);
      if (host?.connect) return host.connect();
      const fake = FakeHost.forJob(job, host?.answers ?? {}, { truncateAfter: host?.truncate });
      fakes.set(job.name, fake);
      return fake;
    },
  });
  const hostEnd = (name: string) => events.find((event) => event.type === 'host_end' && event.host === name);
  return { outcome, events, fakes, hostEnd };
}

describe('engine: run (fake transport)', () => {
  it('dry-run: one probe per host, nothing written, the secret masked in the diff', async () => {
    const { outcome, events, fakes } = await runWith('dry-run', [
      { job: jobFor('lb1'), answers: answers(raw.absent) },
      { job: jobFor('lb2'), answers: answers(CONVERGED) },
    ]);
    expect(outcome.exitCode).to.equal(RunExit.Ok);
    expect(outcome.hosts).to.deep.equal({
      lb1: { ok: 0, changed: 1, failed: 0, unreachable: false },
      lb2: { ok: 1, changed: 0, failed: 0, unreachable: false },
    });
    expect(fakes.get('lb1')?.scripts).to.have.length(1);
    expect(fakes.get('lb2')?.scripts).to.have.length(1);
    const step = events.find((event) => event.type === 'step' && event.host === 'lb1');
    expect(step).to.deep.include({ status: 'would_change', description: 'create /etc/app/secret.conf' });
    expect(step?.type === 'step' && step.diff).to.include(`+auth_pass ${MASK}`);
    expect(JSON.stringify(events)).not.to.include(SECRET);
  });

  it('apply on a converged host: reported from the probe alone, no lock taken, nothing written', async () => {
    const { outcome, events, fakes } = await runWith('apply', [
      { job: jobFor('lb1'), answers: answers(CONVERGED) },
    ]);
    expect(outcome.exitCode).to.equal(RunExit.Ok);
    expect(fakes.get('lb1')?.scripts).to.have.length(1);
    expect(events.filter((event) => event.type === 'step')).to.deep.equal([
      {
        type: 'step',
        host: 'lb1',
        step: 'conf',
        name: 'secret-bearing configuration',
        status: 'ok',
        reason: '/etc/app/secret.conf is up to date',
        duration_ms: 0,
      },
    ]);
  });

  it('dry-run while another run holds the lock: a warning, and the plan anyway', async () => {
    const { outcome, events } = await runWith('dry-run', [
      { job: jobFor('lb1'), answers: answers(raw.absent, { 'lbprov-lock': raw.lockHeld('bob@ci run r7') }) },
    ]);
    expect(outcome.exitCode).to.equal(RunExit.Ok);
    expect(events).to.deep.include({
      type: 'warning',
      host: 'lb1',
      message: 'another lbprov run holds the lock (bob@ci run r7): this report may be outdated',
    });
    expect(events.some((event) => event.type === 'step' && event.status === 'would_change')).to.equal(true);
  });

  it('apply while another run holds the lock: exit code Locked, nothing attempted', async () => {
    const { outcome, hostEnd } = await runWith('apply', [
      { job: jobFor('lb1'), answers: answers(raw.absent, { 'lbprov-lock': raw.lockHeld('bob@ci run r7') }) },
    ]);
    expect(outcome.exitCode).to.equal(RunExit.Locked);
    expect(hostEnd('lb1')).to.have.nested.property('error.message').that.includes('bob@ci run r7');
  });

  it('a probe cut short: the host fails with what it printed, the run exits Failed', async () => {
    const { outcome, hostEnd } = await runWith('dry-run', [
      { job: jobFor('lb1'), answers: answers(raw.absent), truncate: 1 },
    ]);
    expect(outcome.exitCode).to.equal(RunExit.Failed);
    expect(hostEnd('lb1'))
      .to.have.nested.property('error.message')
      .that.includes("reading the host's state failed: the host's probe stopped early");
  });

  it('a corrupt host record: the host fails, naming the record', async () => {
    const { outcome, hostEnd } = await runWith('dry-run', [
      {
        job: jobFor('lb1'),
        answers: answers(raw.absent, { 'lbprov-record': raw.command('{"format": 1, "und', 0) }),
      },
    ]);
    expect(outcome.exitCode).to.equal(RunExit.Failed);
    expect(hostEnd('lb1'))
      .to.have.nested.property('error.message')
      .that.includes('/var/lib/lbprov/state.json');
  });

  it('apply with a real server unreachable: the directors after it still run (not "rs1 failed first"), exit code Unreachable', async () => {
    const { outcome } = await runWith('apply', [
      {
        job: jobFor('rs1', 0),
        connect: () => Promise.reject(new UnreachableError('rs1', 'connection refused', 'is sshd running?')),
      },
      { job: jobFor('lb2', 1), answers: answers(CONVERGED) },
    ]);
    expect(outcome.exitCode, JSON.stringify(outcome.hosts)).to.equal(RunExit.Unreachable);
    expect(outcome.hosts.rs1).to.deep.include({ unreachable: true, failed: 0 });
    expect(outcome.hosts.lb2).to.deep.include({ ok: 1, failed: 0 });
  });

  it('an unreachable host: exit code Unreachable, the others still planned', async () => {
    const { outcome } = await runWith('dry-run', [
      {
        job: jobFor('lb1'),
        connect: () => Promise.reject(new UnreachableError('lb1', 'connection refused', 'is sshd running?')),
      },
      { job: jobFor('lb2'), answers: answers(raw.absent) },
    ]);
    expect(outcome.exitCode).to.equal(RunExit.Unreachable);
    expect(outcome.hosts.lb1).to.deep.include({ unreachable: true });
    expect(outcome.hosts.lb2).to.deep.include({ changed: 1 });
  });
});
