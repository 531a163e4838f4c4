import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { uniqueFacts } from '../../../src/facts/batch.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { hasWork, probeHost, reportPlan } from '../../../src/engine/host-run.js';
import { lockFact } from '../../../src/engine/lock.js';
import { factsFor } from '../../../src/engine/plan.js';
import { recordFact } from '../../../src/engine/record.js';
import type { HostFacts } from '../../../src/facts/host.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { loadPlaybook, playbookPath } from '../../../src/playbook/load.js';
import { buildJobs, type ProcedureJob } from '../../../src/procedure/jobs.js';
import { DEBIAN, RHEL } from '../steps/support.js';
import { FakeHost, raw, type Raw } from './fake-transport.js';

/** A host lbprov never touched: nothing of the procedure is there (Redis's own config excepted). */
function freshAnswers(job: ProcedureJob, host: HostFacts): Record<string, Raw> {
  const answers: Record<string, Raw> = {};
  for (const fact of uniqueFacts([...factsFor([...job.steps, ...job.handlers]), recordFact, lockFact])) {
    const [kind] = fact.key.split(':');
    answers[fact.key] =
      fact.key === 'host'
        ? raw.host(host)
        : fact.key === 'lbprov-record'
          ? raw.record(undefined)
          : fact.key === 'lbprov-lock'
            ? raw.lockFree
            : fact.key === 'file:/etc/redis/redis.conf'
              ? raw.file('bind 127.0.0.1 -::1\nport 6379\nprotected-mode yes\n', {
                  owner: 'redis',
                  group: 'redis',
                })
              : kind === 'file'
                ? raw.absent
                : kind === 'exists'
                  ? raw.exists(false)
                  : kind === 'command'
                    ? raw.command('', 127)
                    : kind === 'sysctl'
                      ? raw.sysctl('0')
                      : kind === 'packages'
                        ? raw.command('', 0)
                        : kind === 'service'
                          ? raw.service(false, false)
                          : kind === 'reach'
                            ? raw.exists(true)
                            : raw.command('', 0);
  }
  return answers;
}

describe('engine: dry-run of the shipped procedure on fresh hosts (fake transport)', () => {
  let jobs: ProcedureJob[];
  before(async () => {
    const playbooks = {
      director: await loadPlaybook(playbookPath('director')),
      realServer: await loadPlaybook(playbookPath('real_server')),
    };
    const file = fileURLToPath(new URL('../../../inventory/seed.yaml', import.meta.url));
    const { inventory } = await loadInventory(file, { LBPROV_AUTH_PASS: 'lbpass1', HOME: '/home/op' });
    if (!inventory) throw new Error('the seed inventory does not load');
    jobs = buildJobs(inventory, playbooks, { authPass: 'lbpass1' });
  });

  it('makes each real server a direct-routing host: no ARP for the VIP, loose reverse-path filter, at boot too', () => {
    const realServer = jobs.find((job) => job.role === 'real server')!;
    const sysctl = realServer.steps.find((step) => step.id === 'arp-sysctl')!;
    expect(sysctl.args).to.deep.include({
      values: {
        'net.ipv4.conf.all.arp_ignore': 1,
        'net.ipv4.conf.all.arp_announce': 2,
        'net.ipv4.conf.lo.arp_ignore': 1,
        'net.ipv4.conf.lo.arp_announce': 2,
        'net.ipv4.conf.all.rp_filter': 2,
      },
    });
  });

  for (const host of [
    { name: 'Debian with systemd', facts: DEBIAN },
    { name: 'Red Hat with SysV init', facts: { ...RHEL, init: 'sysv', packageManager: 'yum' } as HostFacts },
  ]) {
    it(`${host.name}: every step would change or is skipped; nothing fails; handlers may run`, async () => {
      for (const job of jobs) {
        const fake = FakeHost.forJob(job, freshAnswers(job, host.facts));
        const probe = await probeHost(fake, job);
        const events: Extract<EngineEvent, { type: 'step' }>[] = [];
        const tally = reportPlan(job, probe, (event) => {
          if (event.type === 'step') events.push(event);
        });
        const where = `${job.name} on ${host.name}`;
        expect(
          tally.failed,
          `${where}: ${JSON.stringify(events.filter((e) => e.status === 'failed'))}`,
        ).to.equal(0);
        for (const event of events) {
          expect(['would_change', 'may_change', 'skipped', 'ok'], `${where} ${event.step}`).to.include(
            event.status,
          );
          if (event.status === 'skipped')
            expect(event.reason ?? '', `${where} ${event.step}`).to.have.length.above(0);
        }
        expect(hasWork(job, probe), where).to.equal(true);
        const status = Object.fromEntries(events.map((event) => [event.step, event.status]));
        if (job.role.startsWith('director')) {
          expect(status['ipvs-kernel'], where).to.equal('ok');
          expect(status['build-keepalived'], where).to.equal('would_change');
          expect(status['keepalived-conf'], where).to.equal('would_change');
          expect(status['keepalived-running'], where).to.equal('would_change');
          // A fresh host without nft or iptables: nothing filters VRRP, nothing to add.
          expect(status['vrrp-firewall'], where).to.equal('ok');
          expect(status['vip-alias-file'], where).to.equal(
            host.facts.networkScripts ? 'would_change' : 'skipped',
          );
        } else {
          expect(status['arp-sysctl'], where).to.equal('would_change');
          expect(status['vip-on-lo'], where).to.equal('would_change');
          expect(status['redis-package'], where).to.equal('skipped');
        }
      }
    });
  }
});
