import { expect } from 'chai';
import {
  assessCluster,
  directorsLive,
  summarize,
  type ClusterEvidence,
  type Gathered,
} from '../../../src/verify/checks.js';
import { verifyScope } from '../../../src/verify/scope.js';
import type { DirectorEvidenceKey, RealServerEvidenceKey } from '../../../src/verify/commands.js';
import type { Inventory } from '../../../src/model/inventory.js';
import type { Evidence } from '../../../src/engine/events.js';
import {
  ARP_GOOD,
  BACKUP_ADDRESSES,
  DIRECTOR_ADDRESSES_WITH_VIP,
  evidence,
  REAL_SERVER_ADDRESSES,
  SS_REDIS,
  VIP,
} from './samples.js';

const inventory = {
  vrrp: { vip: { address: VIP, prefix_length: 24 } },
  service: { port: 6379, protocol: 'TCP', lb_kind: 'DR' },
  directors: [
    { name: 'lb1', host: '192.168.56.10', state: 'MASTER' },
    { name: 'lb2', host: '192.168.56.11', state: 'BACKUP' },
  ],
  real_servers: [{ name: 'rs1', host: '192.168.56.21' }],
  redis: { manage: true, install: false },
} as unknown as Inventory;

const NO_IPVS = 'ipvs=absent: no /proc/net/ip_vs and no ip_vs module for kernel 6.1.0';

function director(host: string, addresses: string): Gathered<DirectorEvidenceKey | 'builds'> {
  const e = (command: string, output: string, code = 0): Evidence => evidence(host, command, output, code);
  return {
    ok: true,
    evidence: {
      addresses: e('ip -o -4 addr show', addresses),
      keepalived: e('ps', ' 10 keepalived -D --vrrp'),
      ipvsSupport: e('ipvs support', NO_IPVS),
      ipvsTable: e('ipvsadm', 'no IPVS table'),
      // Found installed, not built by lbprov: nothing of its own to compare.
      builds: e(
        'sha256sum',
        `${'1'.repeat(64)}  /usr/local/keepalived/sbin/keepalived\nlbprov-recorded-builds\n`,
      ),
    },
  };
}

const realServer: Gathered<RealServerEvidenceKey> = {
  ok: true,
  evidence: {
    addresses: evidence('rs1', 'ip -o -4 addr show', REAL_SERVER_ADDRESSES),
    arp: evidence('rs1', 'grep', ARP_GOOD),
    listening: evidence('rs1', 'ss', SS_REDIS.replace(/.*127\.0\.0\.1.*/, '')),
    redis: evidence('rs1', 'ps', ' 4711 /usr/bin/redis-server'),
  },
};

const CLIENT = '192.168.56.30';
const client: ClusterEvidence['client'] = {
  name: CLIENT,
  gathered: {
    ok: true,
    evidence: {
      'rs:rs1': evidence(CLIENT, 'ping rs1', 'PONG'),
      vip: evidence(
        CLIENT,
        'ping vip',
        'Could not connect to Redis at 192.168.56.200:6379: Connection refused',
        1,
      ),
    },
  },
};

function cluster(overrides: Partial<ClusterEvidence> = {}): ClusterEvidence {
  return {
    directors: new Map([
      ['lb1', director('lb1', DIRECTOR_ADDRESSES_WITH_VIP)],
      ['lb2', director('lb2', BACKUP_ADDRESSES)],
    ]),
    realServers: new Map([['rs1', realServer]]),
    client,
    ...overrides,
  };
}

const named = (checks: ReturnType<typeof assessCluster>, verdict: string) =>
  checks.filter((check) => check.verdict === verdict).map((check) => `${check.host}: ${check.check}`);

describe('assessCluster', () => {
  it('on a converged VRRP-only cluster: no failure, the IPVS part and the VIP ping not provable', () => {
    const checks = assessCluster(inventory, cluster());
    expect(named(checks, 'pass')).to.include('rs1: rp-filter');
    expect(named(checks, 'fail')).to.deep.equal([]);
    expect(named(checks, 'not_provable')).to.deep.equal([
      'lb1: ipvs-service',
      'lb1: ipvs-real-server',
      'lb2: ipvs-service',
      'lb2: ipvs-real-server',
      `${CLIENT}: redis-ping-via-vip`,
    ]);
    expect(summarize(checks)).to.deep.equal({ passed: 9, failed: 0, not_provable: 5, unreachable: 0 });
  });

  it("the picture at verify's end: each director it read, as status has it; none for one it could not reach", () => {
    const read = directorsLive(
      inventory,
      cluster({
        directors: new Map([
          ['lb1', director('lb1', DIRECTOR_ADDRESSES_WITH_VIP)],
          ['lb2', { ok: false, message: 'no route to host' }],
        ]),
      }),
      verifyScope(inventory),
    );
    expect(
      read.map((live) => [live.host, live.state, live.holds_vip, live.keepalived.running]),
    ).to.deep.equal([['lb1', 'MASTER', true, true]]);
    expect(read[0]?.real_servers).to.equal(null);
  });

  it('without verify.client: the pings are not provable and say how to fix that', () => {
    const { client: _omitted, ...withoutClient } = cluster();
    const checks = assessCluster(inventory, withoutClient);
    const pings = checks.filter((check) => check.check.startsWith('redis-ping'));
    expect(pings.map((check) => check.verdict)).to.deep.equal(['not_provable', 'not_provable']);
    expect(pings[0]?.hint).to.include('verify: { client: <address> }');
  });

  it('an unreachable director fails its own check and the VIP check, and skips the rest of its checks', () => {
    const checks = assessCluster(
      inventory,
      cluster({
        directors: new Map([
          ['lb1', director('lb1', DIRECTOR_ADDRESSES_WITH_VIP)],
          ['lb2', { ok: false, message: 'root@192.168.56.11:22: no route to host' }],
        ]),
      }),
    );
    expect(named(checks, 'fail')).to.deep.equal(['lb2: reachable', 'lb2: vip-on-one-director']);
    expect(checks.some((check) => check.host === 'lb2' && check.check === 'keepalived-running')).to.equal(
      false,
    );
    expect(summarize(checks).unreachable).to.equal(1);
  });

  describe('with redis.password set, the client sends no password and expects Redis to ask for one', () => {
    const withPassword = {
      ...inventory,
      redis: { manage: true, install: false, password: { env: 'LBPROV_REDIS_PASSWORD' } },
    } as Inventory;
    const answering = (answer: string): ClusterEvidence['client'] => ({
      name: CLIENT,
      gathered: {
        ok: true,
        evidence: {
          'rs:rs1': evidence(CLIENT, 'ping rs1', answer),
          vip: evidence(CLIENT, 'ping vip', answer),
        },
      },
    });

    it('NOAUTH: Redis answers and asks for the password, a pass', () => {
      const checks = assessCluster(
        withPassword,
        cluster({ client: answering('NOAUTH Authentication required.') }),
      );
      const ping = checks.find((check) => check.check === 'redis-ping');
      expect(ping?.verdict).to.equal('pass');
      expect(ping?.detail).to.equal(
        'Redis answers and asks for the password (NOAUTH), as redis.password says',
      );
    });

    it('PONG without a password: requirepass is not in effect, a failure that says what to run', () => {
      const checks = assessCluster(withPassword, cluster({ client: answering('PONG') }));
      expect(named(checks, 'fail')).to.deep.equal(['rs1: redis-ping']);
      const ping = checks.find((check) => check.check === 'redis-ping');
      expect(ping?.detail).to.include('PONG without a password, although the inventory sets redis.password');
      expect(ping?.hint).to.include('lbprov apply');
    });

    it('the same PONG passes without redis.password, and where lbprov does not manage Redis', () => {
      for (const inv of [inventory, { ...withPassword, redis: { ...withPassword.redis, manage: false } }]) {
        const checks = assessCluster(inv as Inventory, cluster({ client: answering('PONG') }));
        expect(checks.find((check) => check.check === 'redis-ping')?.verdict).to.equal('pass');
      }
    });
  });

  it('an unreachable client fails once, naming it', () => {
    const checks = assessCluster(
      inventory,
      cluster({ client: { name: CLIENT, gathered: { ok: false, message: 'connection refused' } } }),
    );
    expect(named(checks, 'fail')).to.deep.equal([`${CLIENT}: reachable`]);
  });
});
