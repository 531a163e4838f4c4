// The Redis check on a director, planned by the shipped playbook against a fake Debian host: which
// steps act for check.type redis and tcp, with and without redis.password, what the dry-run shows,
// and what destroy undoes.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { EngineEvent } from '../../../src/engine/events.js';
import { probeHost, reportPlan } from '../../../src/engine/host-run.js';
import { lockFact } from '../../../src/engine/lock.js';
import { checkStep, factsFor } from '../../../src/engine/plan.js';
import { recordFact } from '../../../src/engine/record.js';
import { uniqueFacts } from '../../../src/facts/batch.js';
import { validateInventoryText } from '../../../src/inventory/index.js';
import { loadPlaybook, playbookPath, type Playbook } from '../../../src/playbook/load.js';
import { buildJobs, type ProcedureJob } from '../../../src/procedure/jobs.js';
import { REDIS_CHECK_PASSWORD_PATH, REDIS_CHECK_PATH } from '../../../src/render/redis-check.js';
import { MASK } from '../../../src/util/mask.js';
import { FakeHost, raw, type Raw } from '../engine/fake-transport.js';
import { DEBIAN } from '../steps/support.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const PASSWORD = 'Rp7-x!q2@Zz#w0$k';
const OLD_PASSWORD = 'Old-9!secret-pw';
const STEPS = ['redis-check', 'redis-check-password', 'redis-check-no-password'];

type StepEvent = Extract<EngineEvent, { type: 'step' }>;

let playbooks: { director: Playbook; realServer: Playbook };

/** The MASTER director's job; `topology` set makes check.type redis (the model's default). */
function directorJob(password: string | undefined, topology?: 'independent'): ProcedureJob {
  let text = BASE;
  const redis = [
    '  install: false\n',
    ...(password === undefined ? [] : ['  password: { env: LBPROV_REDIS_PASSWORD }\n']),
    ...(topology === undefined ? [] : [`  topology: ${topology}\n`]),
  ];
  text = text.replace('  install: false\n', redis.join(''));
  const env = { HOME: '/home/op', ...(password === undefined ? {} : { LBPROV_REDIS_PASSWORD: password }) };
  const { inventory, errors } = validateInventoryText(text, 'inventory.yaml', env);
  if (!inventory) throw new Error(`test bug: ${JSON.stringify(errors)}`);
  const [job] = buildJobs(
    inventory,
    playbooks,
    { authPass: 'lbpass1', ...(password === undefined ? {} : { redisPassword: password }) },
    new Set(['192.168.56.10']),
  );
  if (!job) throw new Error('test bug: no job for the MASTER');
  return job;
}

/** A Debian director with nothing of lbprov's; `passwordFile` is the check's password file. */
function answers(job: ProcedureJob, passwordFile: Raw): Record<string, Raw> {
  const table: Record<string, Raw> = {};
  for (const fact of uniqueFacts([...factsFor([...job.steps, ...job.handlers]), recordFact, lockFact])) {
    const [kind] = fact.key.split(':');
    table[fact.key] =
      fact.key === 'host'
        ? raw.host(DEBIAN)
        : fact.key === 'lbprov-record'
          ? raw.record(undefined)
          : fact.key === 'lbprov-lock'
            ? raw.lockFree
            : fact.key === `file:${REDIS_CHECK_PASSWORD_PATH}`
              ? passwordFile
              : fact.key === `command:test ! -e ${REDIS_CHECK_PASSWORD_PATH}`
                ? raw.command('', passwordFile === raw.absent ? 0 : 1)
                : kind === 'file'
                  ? raw.absent
                  : kind === 'sysctl'
                    ? raw.sysctl('0')
                    : kind === 'service'
                      ? raw.service(true, true)
                      : raw.command('', 1);
  }
  return table;
}

async function plan(job: ProcedureJob, passwordFile: Raw = raw.absent): Promise<Map<string, StepEvent>> {
  const probe = await probeHost(FakeHost.forJob(job, answers(job, passwordFile)), job);
  const events = new Map<string, StepEvent>();
  reportPlan(job, probe, (event) => {
    if (event.type === 'step') events.set(event.step, event);
  });
  return events;
}

function status(events: Map<string, StepEvent>): Record<string, string | undefined> {
  return Object.fromEntries(STEPS.map((id) => [id, events.get(id)?.status]));
}

function args(job: ProcedureJob, id: string): Record<string, unknown> {
  return job.steps.find((step) => step.id === id)?.args as Record<string, unknown>;
}

describe('the Redis check on a director (the shipped playbook, a fake Debian host)', () => {
  before(async () => {
    playbooks = {
      director: await loadPlaybook(playbookPath('director')),
      realServer: await loadPlaybook(playbookPath('real_server')),
    };
  });

  it('check.type redis with a password: installs the check (0755) and the password file (0600, masked)', async () => {
    const job = directorJob(PASSWORD, 'independent');
    const events = await plan(job);
    expect(status(events)).to.deep.equal({
      'redis-check': 'would_change',
      'redis-check-password': 'would_change',
      'redis-check-no-password': 'skipped',
    });
    expect(args(job, 'redis-check')).to.deep.include({ path: REDIS_CHECK_PATH, mode: 0o755, owner: 'root' });
    expect(args(job, 'redis-check-password')).to.deep.include({
      path: REDIS_CHECK_PASSWORD_PATH,
      mode: 0o600,
      owner: 'root',
      group: 'root',
      content: `${PASSWORD}\n`,
    });
    const diff = events.get('redis-check-password')?.diff ?? '';
    expect(diff).to.include(`+${MASK}`).and.not.to.include(PASSWORD);
  });

  it('a changed password shows neither the old nor the new one', async () => {
    const job = directorJob(PASSWORD, 'independent');
    const events = await plan(job, raw.file(`${OLD_PASSWORD}\n`, { mode: '600' }));
    const diff = events.get('redis-check-password')?.diff ?? '';
    expect(diff).to.include(`-${MASK}`).and.include(`+${MASK}`);
    expect(diff).not.to.include(PASSWORD).and.not.to.include(OLD_PASSWORD);
  });

  it('the password never reaches keepalived.conf (misc_path is in ps and the logs)', () => {
    const conf = String(args(directorJob(PASSWORD, 'independent'), 'keepalived-conf').content);
    expect(conf).to.include(`misc_path "${REDIS_CHECK_PATH} -t 3 192.168.56.21 6379"`);
    expect(conf).not.to.include(PASSWORD);
  });

  it('a password dropped from the inventory: the file goes; none left: nothing to do', async () => {
    const job = directorJob(undefined, 'independent');
    expect(status(await plan(job, raw.file(`${OLD_PASSWORD}\n`, { mode: '600' })))).to.deep.equal({
      'redis-check': 'would_change',
      'redis-check-password': 'skipped',
      'redis-check-no-password': 'would_change',
    });
    expect(args(job, 'redis-check-no-password')).to.deep.include({
      run: `rm -f ${REDIS_CHECK_PASSWORD_PATH}`,
    });
    expect((await plan(job)).get('redis-check-no-password')?.status).to.equal('ok');
  });

  it('check.type tcp (no topology): no program, and a password file left from a redis check goes', async () => {
    const job = directorJob(PASSWORD);
    expect(status(await plan(job, raw.file(`${PASSWORD}\n`, { mode: '600' })))).to.deep.equal({
      'redis-check': 'skipped',
      'redis-check-password': 'skipped',
      'redis-check-no-password': 'would_change',
    });
    expect(String(args(job, 'keepalived-conf').content)).to.include('TCP_CHECK {');
  });

  it('destroy removes what the steps created', async () => {
    const job = directorJob(PASSWORD, 'independent');
    const probe = await probeHost(FakeHost.forJob(job, answers(job, raw.absent)), job);
    const undo = (id: string) => {
      const step = job.steps.find((candidate) => candidate.id === id);
      if (!step) throw new Error(`test bug: no step ${id}`);
      const result = checkStep(step, probe.facts, { name: job.name, facts: DEBIAN, fetched: {} }, job.vars);
      return result.status === 'change' ? result.change.undo : [];
    };
    expect(undo('redis-check').at(-1)).to.deep.equal({
      kind: 'remove_file',
      resource: `file:${REDIS_CHECK_PATH}`,
      path: REDIS_CHECK_PATH,
    });
    expect(undo('redis-check-password').at(-1)).to.deep.equal({
      kind: 'remove_file',
      resource: `file:${REDIS_CHECK_PASSWORD_PATH}`,
      path: REDIS_CHECK_PASSWORD_PATH,
    });
  });
});
