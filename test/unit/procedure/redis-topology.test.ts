// Replication and Sentinel on a real server, planned by the shipped playbook against a fake Debian
// host: what a first apply does, and that a re-apply after a Sentinel failover (redis.conf and the
// Sentinel file rewritten by Redis) changes none of it, saying why.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { EngineEvent } from '../../../src/engine/events.js';
import { probeHost, reportPlan } from '../../../src/engine/host-run.js';
import { lockFact } from '../../../src/engine/lock.js';
import { factsFor } from '../../../src/engine/plan.js';
import { recordFact } from '../../../src/engine/record.js';
import { uniqueFacts } from '../../../src/facts/batch.js';
import { validateInventoryText } from '../../../src/inventory/index.js';
import { loadPlaybook, playbookPath, type Playbook } from '../../../src/playbook/load.js';
import { buildJobs, type ProcedureJob } from '../../../src/procedure/jobs.js';
import { REDIS_REPLICATION_PATH } from '../../../src/render/redis-replication.js';
import { SENTINEL_CONF_PATH, SENTINEL_SEED_RECORD_PATH } from '../../../src/render/redis-sentinel.js';
import { sha256 } from '../../../src/steps/file-change.js';
import { FakeHost, raw, type Raw } from '../engine/fake-transport.js';
import { DEBIAN } from '../steps/support.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8').replace(
  '  - { host: 192.168.56.22, weight: 1 }\n',
  '  - { host: 192.168.56.22, weight: 1 }\n  - { host: 192.168.56.23, weight: 1 }\n',
);
const PASSWORD = 'Rp7-x!q2@Zz#w0$k';
const STOCK_CONF = 'bind 127.0.0.1 -::1\nport 6379\nprotected-mode yes\n';
const TOPOLOGY_STEPS = [
  'redis-replication',
  'redis-replication-include',
  'redis-no-kept-replication',
  'redis-replication-seed',
  'redis-replication-seed-primary',
  'sentinel-program',
  'sentinel-conf',
  'sentinel-running',
] as const;

type StepEvent = Extract<EngineEvent, { type: 'step' }>;
let playbooks: { director: Playbook; realServer: Playbook };

function job(redis: string, host: string): ProcedureJob {
  const { inventory, errors } = validateInventoryText(
    BASE.replace('  install: false\n', `  install: false\n${redis}`),
    'inventory.yaml',
    { HOME: '/home/op', LBPROV_REDIS_PASSWORD: PASSWORD },
  );
  if (!inventory) throw new Error(`test bug: ${JSON.stringify(errors)}`);
  const [found] = buildJobs(
    inventory,
    playbooks,
    { authPass: 'lbpass1', redisPassword: PASSWORD },
    new Set([host]),
  );
  if (!found) throw new Error(`test bug: no job for ${host}`);
  return found;
}

function vars(of: ProcedureJob, id: string): Record<string, unknown> {
  return of.steps.find((step) => step.id === id)?.args as Record<string, unknown>;
}

/** A Debian host with Redis installed; `files` overrides what is on disk, by path. */
async function plan(of: ProcedureJob, files: Record<string, Raw> = {}, sentinelRunning = false) {
  const table: Record<string, Raw> = {};
  for (const fact of uniqueFacts([...factsFor([...of.steps, ...of.handlers]), recordFact, lockFact])) {
    const [kind, ...rest] = fact.key.split(':');
    const path = rest.join(':');
    table[fact.key] =
      fact.key === 'host'
        ? raw.host(DEBIAN)
        : fact.key === 'lbprov-record'
          ? raw.record(undefined)
          : fact.key === 'lbprov-lock'
            ? raw.lockFree
            : kind === 'file' && path === '/etc/redis/redis.conf'
              ? (files[path] ?? raw.file(STOCK_CONF, { mode: '640', owner: 'redis', group: 'redis' }))
              : kind === 'file'
                ? (files[path] ?? raw.absent)
                : kind === 'exists'
                  ? raw.command('', files[path] === undefined || files[path] === raw.absent ? 1 : 0)
                  : kind === 'sysctl'
                    ? raw.sysctl('0')
                    : kind === 'service'
                      ? raw.service(!fact.key.includes('sentinel') || sentinelRunning, true)
                      : raw.command('', 1);
  }
  const probe = await probeHost(FakeHost.forJob(of, table), of);
  const events = new Map<string, StepEvent>();
  reportPlan(of, probe, (event) => {
    if (event.type === 'step') events.set(event.step, event);
  });
  return events;
}

function statuses(events: Map<string, StepEvent>): Record<string, string | undefined> {
  return Object.fromEntries(TOPOLOGY_STEPS.map((id) => [id, events.get(id)?.status]));
}

const SENTINEL =
  '  topology: primary-replica\n  password: { env: LBPROV_REDIS_PASSWORD }\n  sentinel: true\n';

describe('Redis topology steps on a real server (the shipped playbook, a fake Debian host)', () => {
  before(async () => {
    playbooks = {
      director: await loadPlaybook(playbookPath('director')),
      realServer: await loadPlaybook(playbookPath('real_server')),
    };
  });

  it('primary-replica without Sentinel: a replica gets lbprov’s replication file and its include; no Sentinel', async () => {
    const events = await plan(job('  topology: primary-replica\n', '192.168.56.22'));
    expect(statuses(events)).to.deep.equal({
      'redis-replication': 'would_change',
      'redis-replication-include': 'would_change',
      'redis-no-kept-replication': 'skipped',
      'redis-replication-seed': 'skipped',
      'redis-replication-seed-primary': 'skipped',
      'sentinel-program': 'skipped',
      'sentinel-conf': 'skipped',
      'sentinel-running': 'skipped',
    });
    expect(events.get('redis-replication')?.diff).to.include('+replicaof 192.168.56.21 6379');
  });

  it('a former replica under topology independent: lbprov’s replicaof goes from its file, Redis restarts', async () => {
    const of = job('  topology: independent\n', '192.168.56.22');
    const events = await plan(of, {
      [REDIS_REPLICATION_PATH]: raw.file('# lbprov\nreplicaof 192.168.56.21 6379\n', {
        mode: '640',
        group: 'redis',
      }),
    });
    expect(events.get('redis-no-kept-replication')?.status).to.equal('would_change');
    expect(events.get('redis-no-kept-replication')?.diff).to.include('-replicaof 192.168.56.21 6379');
    expect(of.steps.find((step) => step.id === 'redis-no-kept-replication')?.notify).to.deep.equal([
      'restart-redis',
    ]);
  });

  it('first apply with Sentinel: the replica’s replicaof is seeded into redis.conf, Sentinel configured and started', async () => {
    const events = await plan(job(SENTINEL, '192.168.56.23'));
    expect(statuses(events)).to.deep.include({
      'redis-replication': 'skipped',
      'redis-replication-seed': 'would_change',
      'redis-replication-seed-primary': 'skipped',
      'sentinel-program': 'would_change',
      'sentinel-conf': 'would_change',
      'sentinel-running': 'would_change',
    });
    expect(events.get('redis-replication-seed')?.diff).to.include('+replicaof 192.168.56.21 6379');
    const conf = events.get('sentinel-conf')?.diff ?? '';
    expect(conf).to.include('+sentinel monitor lbprov 192.168.56.21 6379 2').and.not.to.include(PASSWORD);
  });

  it('re-apply after a failover: redis.conf and the Sentinel file as Redis rewrote them, nothing changes, and it says why', async () => {
    const of = job(SENTINEL, '192.168.56.21');
    const seeded = String(vars(of, 'sentinel-conf').content);
    const redisConf = [
      'bind 127.0.0.1 192.168.56.21 192.168.56.200',
      'port 6379',
      'protected-mode no',
      'include /etc/redis/lbprov-requirepass.conf',
      '# Generated by CONFIG REWRITE',
      `masterauth "${PASSWORD}"`,
      'replicaof 192.168.56.22 6379',
      '',
    ].join('\n');
    const events = await plan(
      of,
      {
        '/etc/redis/redis.conf': raw.file(redisConf, { mode: '640', owner: 'redis', group: 'redis' }),
        [SENTINEL_CONF_PATH]: raw.file(
          `${seeded.replace('192.168.56.21 6379 2', '192.168.56.22 6379 2')}sentinel myid 4f1c\nsentinel config-epoch lbprov 1\n`,
          { mode: '640', owner: 'redis', group: 'redis' },
        ),
        [SENTINEL_SEED_RECORD_PATH]: raw.file(`# lbprov\n${sha256(Buffer.from(seeded))}\n`),
        '/usr/local/lib/lbprov/redis-sentinel': raw.file(''),
        '/etc/systemd/system/lbprov-redis-sentinel.service': raw.file(
          String(vars(of, 'sentinel-unit').content),
        ),
      },
      true,
    );
    const seed = events.get('redis-replication-seed-primary');
    expect(seed?.status).to.equal('ok');
    expect(seed?.reason).to.include('Sentinel manages replication here');
    expect(events.get('sentinel-conf')?.status).to.equal('ok');
    expect(events.get('sentinel-conf')?.reason).to.include('lbprov leaves its rewrites alone');
    // Nothing of the topology's own would change (sentinel-running only waits on this fake's other steps).
    for (const id of TOPOLOGY_STEPS) expect(events.get(id)?.status, id).not.to.equal('would_change');
    for (const event of events.values()) expect(JSON.stringify(event)).not.to.include(PASSWORD);
  });
});
