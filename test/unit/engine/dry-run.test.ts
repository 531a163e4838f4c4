import { expect } from 'chai';
import type { EngineEvent, StepStatus } from '../../../src/engine/events.js';
import {
  hasWork,
  probeHost,
  reportPlan,
  type HostJob,
  type HostProbe,
} from '../../../src/engine/host-run.js';
import { prepareSteps } from '../../../src/engine/plan.js';
import type { HostRecord } from '../../../src/engine/record.js';
import type { HostFacts } from '../../../src/facts/host.js';
import { parsePlaybook } from '../../../src/playbook/load.js';
import { DEBIAN, RHEL } from '../steps/support.js';
import { FakeHost, raw, type Raw } from './fake-transport.js';

const PLAYBOOK = parsePlaybook(
  `
role: real_server
description: engine unit test playbook
steps:
  - id: conf
    name: app configuration
    module: file
    args: { path: /etc/app/app.conf, content: "{{ content }}", mode: "0640" }
    notify: [reload-app]
  - id: forwarding
    name: ip_forward now and at boot
    module: sysctl
    args: { file: /etc/sysctl.d/90-app.conf, values: { net.ipv4.ip_forward: 1 } }
  - id: setup
    name: one-time setup
    module: command
    args: { description: run the setup, run: /opt/app/setup, creates: /opt/app/.done }
    depends_on: [conf]
  - id: running
    name: app running and enabled
    module: service
    args: { name: app, process: app, state: started, enabled: true }
    depends_on: [conf, setup]
  - id: rhel-only
    name: Red Hat options
    module: file
    args: { path: /etc/sysconfig/app, content: "OPTS=-d\\n" }
    when: ["facts.osFamily == rhel"]
    skip_reason: not a Red Hat host ({{ host.name }} reads /etc/default/app)
handlers:
  - id: reload-app
    name: reload app
    module: service
    args: { name: app, process: app, state: reloaded }
`,
  'engine-test.yaml',
);

const CONTENT = 'listen 0.0.0.0:7000\n';
const vars = { content: CONTENT, host: { name: 'app1' } };
const job: HostJob = {
  name: 'app1',
  role: 'real server',
  steps: prepareSteps(PLAYBOOK.steps, vars, 'app1'),
  handlers: prepareSteps(PLAYBOOK.handlers, vars, 'app1'),
  vars,
};

/** The key of a step's nth declared fact. */
function keyOf(stepId: string, index = 0): string {
  const step = [...job.steps, ...job.handlers].find((candidate) => candidate.id === stepId);
  const key = step?.module.facts(step.args)[index]?.key;
  if (!key) throw new Error(`no fact #${index} for ${stepId}`);
  return key;
}

const finished: HostRecord = {
  format: 1,
  undo: [],
  files: {},
  pending_handlers: [],
  last_run: { id: 'r1', started: '2024-01-01T00:00:00Z', finished: '2024-01-01T00:01:00Z' },
};

/** Every fact of a converged Debian host. */
function converged(host: HostFacts = DEBIAN): Record<string, Raw> {
  return {
    host: raw.host(host),
    [keyOf('conf')]: raw.file(CONTENT, { mode: '640' }),
    [keyOf('forwarding', 0)]: raw.file('net.ipv4.ip_forward = 1\n'),
    [keyOf('forwarding', 1)]: raw.sysctl('1'),
    [keyOf('setup')]: raw.exists(true),
    [keyOf('running')]: raw.service(true, true),
    [keyOf('rhel-only')]: raw.file('OPTS=-d\n'),
    'lbprov-record': raw.record(finished),
    'lbprov-lock': raw.lockFree,
  };
}

async function probe(answers: Record<string, Raw>): Promise<{ probe: HostProbe; fake: FakeHost }> {
  const fake = FakeHost.forJob(job, answers);
  return { probe: await probeHost(fake, job), fake };
}

type StepEvent = Extract<EngineEvent, { type: 'step' }>;

function plan(hostProbe: HostProbe) {
  const events: StepEvent[] = [];
  const tally = reportPlan(job, hostProbe, (event) => {
    if (event.type === 'step') events.push(event);
  });
  const status = Object.fromEntries(events.map((event) => [event.step, event.status]));
  const byId = (id: string): StepEvent => {
    const event = events.find((candidate) => candidate.step === id);
    if (!event) throw new Error(`no event for ${id}`);
    return event;
  };
  return { events, tally, status, byId };
}

interface Row {
  name: string;
  answers: (base: Record<string, Raw>) => Record<string, Raw>;
  host?: HostFacts;
  /** Every reported step and handler, in order. */
  statuses: Record<string, StepStatus>;
  tally: { ok: number; changed: number; failed: number };
  hasWork: boolean;
  /** Fragments of a reason, description, diff or error message, per step. */
  says?: Record<string, string[]>;
}

const ALL_OK = { conf: 'ok', forwarding: 'ok', setup: 'ok', running: 'ok', 'rhel-only': 'skipped' } as const;

const rows: Row[] = [
  {
    name: 'converged: every step ok (or skipped), no handler, nothing to do',
    answers: (base) => base,
    statuses: ALL_OK,
    tally: { ok: 5, changed: 0, failed: 0 },
    hasWork: false,
    says: { conf: ['/etc/app/app.conf is up to date'], setup: ['/opt/app/.done exists'] },
  },
  {
    name: 'converged, never applied by lbprov (no record): nothing to do',
    answers: (base) => ({ ...base, 'lbprov-record': raw.record(undefined) }),
    statuses: ALL_OK,
    tally: { ok: 5, changed: 0, failed: 0 },
    hasWork: false,
  },
  {
    name: "a skipped step says the playbook's skip_reason, filled in",
    answers: (base) => base,
    statuses: ALL_OK,
    tally: { ok: 5, changed: 0, failed: 0 },
    hasWork: false,
    says: { 'rhel-only': ['not a Red Hat host (app1 reads /etc/default/app)'] },
  },
  {
    name: 'the configuration differs: would_change with its diff; dependents may_change; the notified handler may run',
    answers: (base) => ({ ...base, [keyOf('conf')]: raw.file('listen 127.0.0.1:7000\n', { mode: '640' }) }),
    statuses: {
      ...ALL_OK,
      conf: 'would_change',
      setup: 'may_change',
      running: 'may_change',
      'reload-app': 'may_change',
    },
    tally: { ok: 2, changed: 4, failed: 0 },
    hasWork: true,
    says: {
      conf: ['update /etc/app/app.conf (content)', '-listen 127.0.0.1:7000', '+listen 0.0.0.0:7000'],
      setup: ['ok now, but builds on conf, which would change first'],
      running: ['builds on conf, setup'],
      'reload-app': ['runs if the steps that notify it change'],
    },
  },
  {
    name: 'only the live sysctl differs: would_change alone, no handler',
    answers: (base) => ({ ...base, [keyOf('forwarding', 1)]: raw.sysctl('0') }),
    statuses: { ...ALL_OK, forwarding: 'would_change' },
    tally: { ok: 4, changed: 1, failed: 0 },
    hasWork: true,
    says: { forwarding: ['live: net.ipv4.ip_forward 0 -> 1'] },
  },
  {
    name: 'a step that would change makes the steps that depend on it may_change (setup -> running)',
    answers: (base) => ({ ...base, [keyOf('setup')]: raw.exists(false) }),
    statuses: { ...ALL_OK, setup: 'would_change', running: 'may_change' },
    tally: { ok: 3, changed: 2, failed: 0 },
    hasWork: true,
    says: { setup: ['run the setup'], running: ['builds on setup'] },
  },
  {
    name: 'a step that changes without dependents or notify: nothing else moves',
    answers: (base) => ({ ...base, [keyOf('running')]: raw.service(false, true) }),
    statuses: { ...ALL_OK, running: 'would_change' },
    tally: { ok: 4, changed: 1, failed: 0 },
    hasWork: true,
    says: { running: ['app: start'] },
  },
  {
    name: 'on a Red Hat host the conditional step applies',
    host: RHEL,
    answers: (base) => ({ ...base, [keyOf('rhel-only')]: raw.absent }),
    statuses: { ...ALL_OK, 'rhel-only': 'would_change' },
    tally: { ok: 4, changed: 1, failed: 0 },
    hasWork: true,
    says: { 'rhel-only': ['create /etc/sysconfig/app'] },
  },
  {
    name: 'a handler left pending by an interrupted run: would_change, and there is work',
    answers: (base) => ({
      ...base,
      'lbprov-record': raw.record({ ...finished, pending_handlers: ['reload-app'] }),
    }),
    statuses: { ...ALL_OK, 'reload-app': 'would_change' },
    tally: { ok: 5, changed: 1, failed: 0 },
    hasWork: true,
    says: { 'reload-app': ['left pending by an interrupted run'] },
  },
  {
    name: 'an unfinished last run, converged steps: the plan is quiet, but an apply has work (to finish it)',
    answers: (base) => ({
      ...base,
      'lbprov-record': raw.record({ ...finished, last_run: { id: 'r2', started: '2024-01-02T00:00:00Z' } }),
    }),
    statuses: ALL_OK,
    tally: { ok: 5, changed: 0, failed: 0 },
    hasWork: true,
  },
  {
    name: 'files a dead run staged (they may hold secrets), converged steps: the plan is quiet, but an apply has work (to sweep them)',
    answers: (base) => ({ ...base, 'lbprov-lock': raw.lockFreeWithStaged(2) }),
    statuses: ALL_OK,
    tally: { ok: 5, changed: 0, failed: 0 },
    hasWork: true,
  },
  {
    name: 'a step that cannot work: failed with its reason and hint; there is work (to report it)',
    answers: (base) => ({ ...base, [keyOf('conf')]: raw.directory }),
    statuses: { ...ALL_OK, conf: 'failed' },
    tally: { ok: 4, changed: 0, failed: 1 },
    hasWork: true,
    says: { conf: ['/etc/app/app.conf is a directory, not a regular file', 'move it away by hand'] },
  },
];

describe('engine: dry-run plan and hasWork (fake transport)', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const { probe: hostProbe, fake } = await probe(row.answers(converged(row.host)));
      expect(fake.scripts, 'one round trip').to.have.length(1);
      const { events, tally, status, byId } = plan(hostProbe);
      expect(status).to.deep.equal(row.statuses);
      expect(
        events.map((event) => event.step),
        'steps in playbook order, then handlers',
      ).to.deep.equal(Object.keys(row.statuses));
      expect(tally).to.deep.equal(row.tally);
      for (const [id, fragments] of Object.entries(row.says ?? {})) {
        const event = byId(id);
        const text = [
          event.reason,
          event.description,
          event.diff,
          event.error?.message,
          event.error?.hint,
        ].join('\n');
        for (const fragment of fragments) expect(text, id).to.include(fragment);
      }
      expect(hasWork(job, hostProbe)).to.equal(row.hasWork);
    });
  }

  it('the probe asks each fact once: the step and the handler watching the same service share one answer', async () => {
    const { fake } = await probe(converged());
    const asked = fake.asked[0] ?? [];
    expect(new Set(asked).size).to.equal(asked.length);
    expect(asked.filter((key) => key.startsWith('service:app:'))).to.have.length(1);
    expect(asked).to.include.members(['host', 'lbprov-record', 'lbprov-lock']);
  });

  it('the probe reads host facts, the record and the lock', async () => {
    const answers = { ...converged(), 'lbprov-lock': raw.lockHeld('alice@ops run r9') };
    const { probe: hostProbe } = await probe(answers);
    expect(hostProbe.host).to.deep.equal(DEBIAN);
    expect(hostProbe.record).to.deep.equal(finished);
    expect(hostProbe.lock).to.deep.equal({ held: true, holder: 'alice@ops run r9', staged: 0 });
  });
});
