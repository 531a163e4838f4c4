// redis.password on a real server, planned by the shipped playbook against a fake Debian host:
// which steps act with and without a password, what the dry-run shows, and what destroy undoes.
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
import { REDIS_AUTH_PATH } from '../../../src/render/redis-auth.js';
import { MASK } from '../../../src/util/mask.js';
import { FakeHost, raw, type Raw } from '../engine/fake-transport.js';
import { DEBIAN } from '../steps/support.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const PASSWORD = 'Rp7-x!q2@Zz#w0$k';
const OLD_PASSWORD = 'Old-9!secret-pw';
const REDIS_CONF = 'bind 127.0.0.1 -::1\nport 6379\nprotected-mode yes\n# requirepass foobared\n';
const REQUIREPASS_STEPS = ['redis-requirepass', 'redis-requirepass-include', 'redis-no-requirepass'];

type StepEvent = Extract<EngineEvent, { type: 'step' }>;

let playbooks: { director: Playbook; realServer: Playbook };

/** rs1's job for the base inventory, with or without a Redis password. */
function realServerJob(password: string | undefined, manage = true): ProcedureJob {
  let text = manage ? BASE : BASE.replace('manage: true', 'manage: false');
  if (password !== undefined)
    text = text.replace(
      '  install: false\n',
      '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n',
    );
  const env = { HOME: '/home/op', ...(password === undefined ? {} : { LBPROV_REDIS_PASSWORD: password }) };
  const { inventory, errors } = validateInventoryText(text, 'inventory.yaml', env);
  if (!inventory) throw new Error(`test bug: ${JSON.stringify(errors)}`);
  const jobs = buildJobs(
    inventory,
    playbooks,
    { authPass: 'lbpass1', ...(password === undefined ? {} : { redisPassword: password }) },
    new Set(['192.168.56.21']),
  );
  const [job] = jobs;
  if (!job) throw new Error('test bug: no job for rs1');
  return job;
}

/** A Debian host with Redis installed and nothing of lbprov's; `authFile` is lbprov's password file. */
function answers(job: ProcedureJob, authFile: Raw = raw.absent): Record<string, Raw> {
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
            : fact.key === 'file:/etc/redis/redis.conf'
              ? raw.file(REDIS_CONF, { mode: '640', owner: 'redis', group: 'redis' })
              : fact.key === `file:${REDIS_AUTH_PATH}`
                ? authFile
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

async function plan(job: ProcedureJob, authFile?: Raw): Promise<Map<string, StepEvent>> {
  const probe = await probeHost(FakeHost.forJob(job, answers(job, authFile)), job);
  const events = new Map<string, StepEvent>();
  reportPlan(job, probe, (event) => {
    if (event.type === 'step') events.set(event.step, event);
  });
  return events;
}

function status(events: Map<string, StepEvent>): Record<string, string | undefined> {
  return Object.fromEntries(REQUIREPASS_STEPS.map((id) => [id, events.get(id)?.status]));
}

describe('redis.password on a real server (the shipped playbook, a fake Debian host)', () => {
  before(async () => {
    playbooks = {
      director: await loadPlaybook(playbookPath('director')),
      realServer: await loadPlaybook(playbookPath('real_server')),
    };
  });

  it('with a password: lbprov writes requirepass into its own file, which redis.conf includes last', async () => {
    const job = realServerJob(PASSWORD);
    const events = await plan(job);
    expect(status(events)).to.deep.equal({
      'redis-requirepass': 'would_change',
      'redis-requirepass-include': 'would_change',
      'redis-no-requirepass': 'skipped',
    });
    const file = job.steps.find((step) => step.id === 'redis-requirepass')?.args as Record<string, unknown>;
    expect(file).to.deep.include({ path: REDIS_AUTH_PATH, mode: 0o640, owner: 'root', group: 'redis' });
    expect(String(file.content)).to.match(
      new RegExp(`^requirepass ${PASSWORD.replace(/[$]/g, '\\$')}$`, 'm'),
    );
    expect(events.get('redis-requirepass-include')?.diff).to.include(`+include ${REDIS_AUTH_PATH}`);
  });

  it('the dry-run diff shows requirepass masked, whether the password is new or replaces another', async () => {
    const job = realServerJob(PASSWORD);
    for (const authFile of [
      raw.absent,
      raw.file(`requirepass ${OLD_PASSWORD}\n`, { mode: '640', group: 'redis' }),
    ]) {
      const diff = (await plan(job, authFile)).get('redis-requirepass')?.diff ?? '';
      expect(diff).to.match(new RegExp(`^\\+requirepass ${MASK.replace(/\*/g, '\\*')}`, 'm'));
      expect(diff).not.to.include(PASSWORD).and.not.to.include(OLD_PASSWORD);
    }
  });

  it('the same password already in place: nothing to change', async () => {
    const job = realServerJob(PASSWORD);
    const content = String(
      (job.steps.find((step) => step.id === 'redis-requirepass')?.args as { content: string }).content,
    );
    const step = (await plan(job, raw.file(content, { mode: '640', group: 'redis' }))).get(
      'redis-requirepass',
    );
    expect(step?.status).to.equal('ok');
  });

  it('without a password: no requirepass step acts, and a host lbprov never gave one is left alone', async () => {
    const job = realServerJob(undefined);
    expect(status(await plan(job))).to.deep.equal({
      'redis-requirepass': 'skipped',
      'redis-requirepass-include': 'skipped',
      'redis-no-requirepass': 'skipped',
    });
  });

  it('a password dropped from the inventory: lbprov removes its requirepass line (masked in the diff) and restarts Redis', async () => {
    const job = realServerJob(undefined);
    const events = await plan(
      job,
      raw.file(`# lbprov\nrequirepass ${OLD_PASSWORD}\n`, { mode: '640', group: 'redis' }),
    );
    const removal = events.get('redis-no-requirepass');
    expect(removal?.status).to.equal('would_change');
    expect(removal?.diff).to.include(`-requirepass ${MASK}`).and.not.to.include(OLD_PASSWORD);
    expect(job.steps.find((step) => step.id === 'redis-no-requirepass')?.notify).to.deep.equal([
      'restart-redis',
    ]);
  });

  it('redis.manage false: lbprov neither sets nor removes a password', async () => {
    for (const password of [PASSWORD, undefined]) {
      const job = realServerJob(password, false);
      const events = await plan(job, raw.file(`requirepass ${OLD_PASSWORD}\n`));
      expect(Object.values(status(events))).to.deep.equal(['skipped', 'skipped', 'skipped']);
    }
  });

  it('destroy takes it all back: the password file goes, redis.conf is restored from its backup', async () => {
    const job = realServerJob(PASSWORD);
    const probe = await probeHost(FakeHost.forJob(job, answers(job)), job);
    const undo = (id: string) => {
      const step = job.steps.find((candidate) => candidate.id === id);
      if (!step) throw new Error(`test bug: no step ${id}`);
      const result = checkStep(step, probe.facts, { name: job.name, facts: DEBIAN, fetched: {} }, job.vars);
      return result.status === 'change' ? result.change.undo : [];
    };
    expect(undo('redis-requirepass')).to.deep.equal([
      { kind: 'remove_file', resource: `file:${REDIS_AUTH_PATH}`, path: REDIS_AUTH_PATH },
    ]);
    // redis-bind recorded the same resource first; the first record wins, so destroy restores the original.
    expect(undo('redis-requirepass-include')).to.deep.equal([
      { kind: 'restore_file', resource: 'file:/etc/redis/redis.conf', path: '/etc/redis/redis.conf' },
    ]);
    expect(undo('redis-bind')[0]?.resource).to.equal('file:/etc/redis/redis.conf');
  });

  it('every requirepass step restarts Redis when it changes something', () => {
    const job = realServerJob(PASSWORD);
    for (const id of REQUIREPASS_STEPS)
      expect(job.steps.find((step) => step.id === id)?.notify, id).to.deep.equal(['restart-redis']);
  });
});
