// Destroy on one host through a fake transport: the probe scripts are answered from an in-memory
// record, every other script is logged, and the record lbprov saves replaces the one in memory.
import { expect } from 'chai';
import { destroyPreviewWork, destroyWork } from '../../../src/engine/destroy.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { LOCK_READY, lockFact } from '../../../src/engine/lock.js';
import {
  emptyRecord,
  RECORD_DIR,
  RECORD_PATH,
  recordFact,
  type HostRecord,
} from '../../../src/engine/record.js';
import { run, RunExit, type RunJob } from '../../../src/engine/run.js';
import { fileFact } from '../../../src/facts/files.js';
import { hostFacts } from '../../../src/facts/host.js';
import type { UndoRecord } from '../../../src/steps/types.js';
import type { ExecResult, HeldProcess, Transport } from '../../../src/transport/types.js';
import { SecretMasker } from '../../../src/util/mask.js';
import { FakeHost, raw, type Raw } from '../engine/fake-transport.js';
import { DEBIAN } from '../steps/support.js';

const stopKeepalived: UndoRecord = {
  kind: 'shell',
  resource: 'service:keepalived:running',
  description: 'stop keepalived',
  script: 'service keepalived stop # stop-keepalived',
};
const removeConf: Extract<UndoRecord, { kind: 'remove_file' }> = {
  kind: 'remove_file',
  resource: 'file:/etc/keepalived/keepalived.conf',
  path: '/etc/keepalived/keepalived.conf',
};
const removeSources: UndoRecord = {
  kind: 'shell',
  resource: 'command:mkdir -p /usr/local/src/lbprov',
  description: 'undo: create /usr/local/src/lbprov',
  script: 'rm -rf /usr/local/src/lbprov # remove-sources',
};

/** A host that lbprov changed: answers probes from `answers`, and lets destroy write its record. */
class ChangedHost implements Transport {
  readonly host = 'lb1';
  readonly ran: string[] = [];
  locks = 0;
  private staged = '';
  private readonly prober: FakeHost;

  constructor(
    private readonly answers: Record<string, Raw>,
    private readonly failing: (script: string) => boolean = () => false,
  ) {
    const known = [hostFacts, recordFact, lockFact, fileFact(removeConf.path, { content: false })];
    this.prober = new FakeHost(this.host, known, answers);
  }

  async exec(script: string): Promise<ExecResult> {
    if (script.includes('__lbprov_')) return this.prober.exec(script);
    this.ran.push(script);
    if (this.failing(script)) return { code: 1, stdout: '', stderr: 'simulated failure' };
    if (script.includes(`mv -f "$tmp" '${RECORD_PATH}'`))
      this.answers['lbprov-record'] = raw.record(this.record());
    if (script.includes(`rm -rf '${RECORD_DIR}'`)) this.answers['lbprov-record'] = raw.record(undefined);
    return { code: 0, stdout: '', stderr: '' };
  }

  async upload(_path: string, content: Buffer): Promise<void> {
    this.staged = content.toString('utf8');
  }

  async hold(): Promise<HeldProcess> {
    this.locks += 1;
    return { banner: LOCK_READY, release: async () => undefined };
  }

  async close(): Promise<void> {}

  record(): HostRecord {
    return JSON.parse(this.staged) as HostRecord;
  }
}

const JOB: RunJob = { name: 'lb1', role: 'director (MASTER)', group: 0, steps: [], handlers: [], vars: {} };

function answersFor(record: HostRecord | undefined): Record<string, Raw> {
  return {
    host: raw.host(DEBIAN),
    'lbprov-record': raw.record(record),
    'lbprov-lock': raw.lockFree,
    [fileFact(removeConf.path, { content: false }).key]: raw.file('lbprov wrote this\n'),
  };
}

async function destroyOn(host: ChangedHost, dryRun = false) {
  const events: EngineEvent[] = [];
  const options = { removePackages: false };
  const outcome = await run({
    mode: dryRun ? 'destroy-dry-run' : 'destroy',
    work: dryRun ? destroyPreviewWork(options) : destroyWork(options),
    jobs: [JOB],
    concurrency: 1,
    masker: new SecretMasker(),
    emit: (event) => events.push(event),
    connect: async () => host,
  });
  const steps = events.flatMap((event) => (event.type === 'step' ? [`${event.step} ${event.status}`] : []));
  return { outcome, steps, events };
}

describe('destroy on one host (fake transport)', () => {
  const record: HostRecord = { ...emptyRecord(), undo: [removeSources, removeConf, stopKeepalived] };

  it('a host without a record: nothing lbprov made here, no lock, no write', async () => {
    const host = new ChangedHost(answersFor(undefined));
    const { outcome, events } = await destroyOn(host);
    expect(outcome.exitCode).to.equal(RunExit.Ok);
    expect(host.locks).to.equal(0);
    expect(host.ran).to.deep.equal([]);
    expect(events).to.deep.include({
      type: 'step',
      host: 'lb1',
      step: 'record',
      name: "lbprov's record",
      status: 'ok',
      reason: `nothing lbprov made here (no ${RECORD_PATH})`,
      duration_ms: 0,
    });
  });

  it('--dry-run lists the undo steps newest first and takes no lock, writes nothing', async () => {
    const host = new ChangedHost(answersFor(record));
    const { outcome, steps } = await destroyOn(host, true);
    expect(outcome.exitCode).to.equal(RunExit.Ok);
    expect(steps).to.deep.equal([
      'service:keepalived:running would_change',
      'file:/etc/keepalived/keepalived.conf would_change',
      'command:mkdir -p /usr/local/src/lbprov would_change',
      'forget-record would_change',
    ]);
    expect(host.locks).to.equal(0);
    expect(host.ran).to.deep.equal([]);
  });

  it('stops at a failed undo, keeps what is left in the record, and the next destroy goes on from there', async () => {
    const answers = answersFor(record);
    let broken = true;
    const host = new ChangedHost(answers, (script) => broken && script.includes('# remove-sources'));
    const first = await destroyOn(host);
    expect(first.outcome.exitCode).to.equal(RunExit.Failed);
    expect(first.steps).to.deep.equal([
      'service:keepalived:running changed',
      'file:/etc/keepalived/keepalived.conf changed',
      'command:mkdir -p /usr/local/src/lbprov failed',
      'forget-record not_run',
    ]);
    expect(host.record().undo).to.deep.equal([removeSources]);

    broken = false;
    const second = await destroyOn(host);
    expect(second.outcome.exitCode).to.equal(RunExit.Ok);
    expect(second.steps).to.deep.equal([
      'command:mkdir -p /usr/local/src/lbprov changed',
      'forget-record changed',
    ]);
    expect(host.ran.filter((script) => script.includes('# stop-keepalived'))).to.have.length(1);
    expect(answers['lbprov-record']).to.deep.equal(raw.record(undefined));
  });
});
