import { expect } from 'chai';
import type { Inventory } from '../../../src/model/inventory.js';
import type { Verdict } from '../../../src/engine/events.js';
import {
  IN_SYNC_BYTES,
  parseReplication,
  parseSentinelMaster,
  parseSentinelQuorum,
  redisCliCommand,
  replicationCommand,
} from '../../../src/verify/redis-info.js';
import {
  decideRedisPrimary,
  decideRedisReplica,
  decideSentinel,
  decideSentinelQuorum,
  decideWritePool,
  readRoles,
  type RoleEvidence,
} from '../../../src/verify/redis-checks.js';
import { assessRedisTopology } from '../../../src/verify/redis-assess.js';
import { topologyCommands } from '../../../src/verify/redis-evidence.js';
import { expectedOutageMs } from '../../../src/verify/drill-redis-primary.js';
import { lostWrites, parseWriteLine } from '../../../src/verify/redis-writes.js';
import { evidence, IPVSADM_LIST, VIP } from './samples.js';

// Recorded from redis-server 7.0.15 (redis-cli, not a terminal).
const PRIMARY_INFO = `# Replication
role:master
connected_slaves:2
slave0:ip=192.168.56.22,port=6379,state=online,offset=442,lag=0
slave1:ip=192.168.56.23,port=6379,state=online,offset=442,lag=1
master_failover_state:no-failover
master_replid:e45542490e884f05f8ef4e0219bd4964b4d78831
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:442
second_repl_offset:-1
repl_backlog_active:1`;

function replicaInfo(
  opts: { master?: string; link?: string; offset?: number; syncing?: boolean } = {},
): string {
  return `# Replication
role:slave
master_host:${opts.master ?? '192.168.56.21'}
master_port:6379
master_link_status:${opts.link ?? 'up'}
master_last_io_seconds_ago:1
master_sync_in_progress:${opts.syncing ? 1 : 0}
slave_read_repl_offset:${opts.offset ?? 442}
slave_repl_offset:${opts.offset ?? 442}
slave_priority:100
slave_read_only:1`;
}

const rs1 = { name: 'rs1', host: '192.168.56.21' };
const rs2 = { name: 'rs2', host: '192.168.56.22' };
const rs3 = { name: 'rs3', host: '192.168.56.23' };

function roleEvidence(server: { name: string; host: string }, output: string, code = 0): RoleEvidence {
  return { server, replication: evidence(server.name, 'redis-cli INFO replication', output, code) };
}

const HEALTHY = [
  roleEvidence(rs1, PRIMARY_INFO),
  roleEvidence(rs2, replicaInfo()),
  roleEvidence(rs3, replicaInfo()),
];

describe('verify: Redis topology', () => {
  describe('parseReplication', () => {
    it('reads a primary: its offset and the replicas it lists', () => {
      const info = parseReplication(PRIMARY_INFO);
      expect(info).to.deep.equal({
        role: 'master',
        offset: 442,
        replicas: [
          { ip: '192.168.56.22', port: 6379, state: 'online', offset: 442 },
          { ip: '192.168.56.23', port: 6379, state: 'online', offset: 442 },
        ],
      });
    });
    it('reads a replica: whom it replicates, its link and offset', () => {
      expect(parseReplication(replicaInfo({ link: 'down', offset: 7 }))).to.deep.equal({
        role: 'slave',
        masterHost: '192.168.56.21',
        masterPort: 6379,
        linkUp: false,
        syncing: false,
        offset: 7,
      });
    });
    for (const answer of [
      'NOAUTH Authentication required.',
      'Could not connect to Redis at 192.168.56.21:6379: Connection refused',
      'LOADING Redis is loading the dataset in memory',
      '',
    ]) {
      it(`has no role for ${JSON.stringify(answer)}, and keeps the reason`, () => {
        expect(parseReplication(answer)).to.deep.equal({ role: 'unknown', reason: answer || '(no output)' });
      });
    }
  });

  describe('Sentinel answers', () => {
    it('reads the address and port get-master-addr-by-name prints', () => {
      expect(parseSentinelMaster('192.168.56.22\n6379\n')).to.deep.equal({
        host: '192.168.56.22',
        port: 6379,
      });
    });
    it('says a Sentinel that prints an empty line monitors no such primary', () => {
      expect(parseSentinelMaster('\n')).to.deep.equal({
        reason: 'this Sentinel monitors no primary named lbprov',
      });
    });
    it('keeps a refusal as the reason', () => {
      expect(
        parseSentinelMaster('Could not connect to Redis at 192.168.56.10:26379: Connection refused'),
      ).to.have.property('reason', 'Could not connect to Redis at 192.168.56.10:26379: Connection refused');
    });
    it('reads ckquorum: OK with the usable count, else the refusal', () => {
      expect(
        parseSentinelQuorum('OK 3 usable Sentinels. Quorum and failover authorization can be reached'),
      ).to.include({ ok: true, usable: 3 });
      expect(
        parseSentinelQuorum(
          'NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master',
        ),
      ).to.include({ ok: false });
      expect(parseSentinelQuorum('ERR No such master with that name')).to.include({ ok: false });
    });
  });

  describe('commands', () => {
    it("reads the password from the host's own file into REDISCLI_AUTH, never from lbprov", () => {
      const command = replicationCommand('192.168.56.21', 6379, true);
      expect(command).to.match(
        /^REDISCLI_AUTH=\$\(sed .* \/etc\/redis\/lbprov-requirepass\.conf .*\); export REDISCLI_AUTH\n/,
      );
      expect(command).to.include("redis-cli -h '192.168.56.21' -p 6379 'INFO' 'replication'");
      expect(replicationCommand('192.168.56.21', 6379, false)).not.to.include('REDISCLI_AUTH');
    });
    it('quotes every argument', () => {
      expect(redisCliCommand('h', 1, ["a'b"])).to.equal(`timeout 5 redis-cli -h 'h' -p 1 'a'\\''b'`);
    });
    it('asks real servers for INFO and Sentinel hosts for Sentinel, only under primary-replica', () => {
      const inv = topologyInventory({ sentinel: true });
      const director = inv.directors[0]!;
      expect(Object.keys(topologyCommands(inv, inv.real_servers[0]!))).to.have.members([
        'redis:replication',
        'redis:sentinel-master',
        'redis:sentinel-quorum',
      ]);
      expect(Object.keys(topologyCommands(inv, director))).to.have.members([
        'redis:sentinel-master',
        'redis:sentinel-quorum',
      ]);
      const independent = { ...inv, redis: { ...inv.redis, topology: 'independent' } } as Inventory;
      expect(topologyCommands(independent, inv.real_servers[0]!)).to.deep.equal({});
    });
  });

  describe('decideRedisPrimary', () => {
    const cases: { name: string; servers: RoleEvidence[]; verdict: Verdict; says: RegExp }[] = [
      {
        name: 'one primary',
        servers: HEALTHY,
        verdict: 'pass',
        says: /^rs1 \(192\.168\.56\.21\) is the primary$/,
      },
      {
        name: 'two primaries',
        servers: [
          roleEvidence(rs1, PRIMARY_INFO),
          roleEvidence(rs2, PRIMARY_INFO),
          roleEvidence(rs3, replicaInfo()),
        ],
        verdict: 'fail',
        says: /2 real servers report role:master \(rs1, rs2\)/,
      },
      {
        name: 'no primary (it is stopped)',
        servers: [
          roleEvidence(rs1, 'Could not connect to Redis at 192.168.56.21:6379: Connection refused', 1),
          roleEvidence(rs2, replicaInfo({ link: 'down' })),
        ],
        verdict: 'fail',
        says: /no real server reports role:master \(rs1: Could not connect.*\): nothing accepts writes/,
      },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.verdict}`, () => {
        const check = decideRedisPrimary(c.servers, readRoles(c.servers), rs1);
        expect(check.verdict).to.equal(c.verdict);
        expect(check.detail).to.match(c.says);
      });
    }
    it("passes after a failover and says the primary moved from the inventory's", () => {
      const servers = [roleEvidence(rs1, replicaInfo({ master: rs2.host })), roleEvidence(rs2, PRIMARY_INFO)];
      const check = decideRedisPrimary(servers, readRoles(servers), rs1);
      expect(check).to.include({ verdict: 'pass', host: 'rs2' });
      expect(check.detail).to.include('not rs1, where lbprov started it');
    });
  });

  describe('decideRedisReplica', () => {
    const roles = readRoles(HEALTHY);
    const cases: { name: string; output: string; verdict: Verdict; says: RegExp }[] = [
      {
        name: 'in sync',
        output: replicaInfo(),
        verdict: 'pass',
        says: /replicates rs1 .*\(0 bytes behind\)/,
      },
      {
        name: 'a little behind, within the tolerance',
        output: replicaInfo({ offset: 442 - 1000 }),
        verdict: 'pass',
        says: /1000 bytes behind/,
      },
      {
        name: 'further behind than the tolerance',
        output: replicaInfo({ offset: 442 - IN_SYNC_BYTES - 1 }),
        verdict: 'fail',
        says: new RegExp(`${IN_SYNC_BYTES + 1} bytes behind rs1`),
      },
      {
        name: 'replicating another host',
        output: replicaInfo({ master: '10.9.9.9' }),
        verdict: 'fail',
        says: /replicates 10\.9\.9\.9:6379, not the primary rs1/,
      },
      {
        name: 'link down',
        output: replicaInfo({ link: 'down' }),
        verdict: 'fail',
        says: /link to rs1 is down/,
      },
      {
        name: 'first sync',
        output: replicaInfo({ syncing: true }),
        verdict: 'fail',
        says: /still in its first sync/,
      },
      {
        name: 'no password',
        output: 'NOAUTH Authentication required.',
        verdict: 'fail',
        says: /cannot authenticate/,
      },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.verdict}`, () => {
        const check = decideRedisReplica(rs2, evidence('rs2', 'INFO', c.output), roles, 6379);
        expect(check.verdict).to.equal(c.verdict);
        expect(check.detail).to.match(c.says);
      });
    }
  });

  describe('Sentinel verdicts', () => {
    const quorumOk = evidence(
      'rs1',
      'ckquorum',
      'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
    );
    const sentinel = (master: string, quorum = quorumOk) => ({
      host: rs1,
      master: evidence('rs1', 'get-master-addr-by-name', master),
      quorum,
    });
    it('passes when it names the primary verify found and sees a quorum', () => {
      expect(decideSentinel(sentinel('192.168.56.21\n6379'), rs1, 6379).verdict).to.equal('pass');
    });
    it('fails when it names another primary', () => {
      const check = decideSentinel(sentinel('192.168.56.22\n6379'), rs1, 6379);
      expect(check.verdict).to.equal('fail');
      expect(check.detail).to.equal(
        'names 192.168.56.22:6379 as the primary, but rs1 (192.168.56.21:6379) is',
      );
    });
    it('fails when it does not answer', () => {
      const check = decideSentinel(
        sentinel('Could not connect to Redis at 192.168.56.21:26379: Connection refused'),
        rs1,
        6379,
      );
      expect(check.verdict).to.equal('fail');
      expect(check.hint).to.include('lbprov-redis-sentinel');
    });
    it('fails when ckquorum says no quorum', () => {
      const check = decideSentinel(
        sentinel('192.168.56.21\n6379', evidence('rs1', 'ckquorum', 'NOQUORUM 1 usable Sentinels.')),
        rs1,
        6379,
      );
      expect(check.verdict).to.equal('fail');
    });
    it('needs a majority of agreeing Sentinels for the quorum check', () => {
      const pass = decideSentinel(sentinel('192.168.56.21\n6379'), rs1, 6379);
      const fail = decideSentinel(sentinel('192.168.56.22\n6379'), rs1, 6379);
      expect(decideSentinelQuorum([pass, pass, fail], 2).verdict).to.equal('pass');
      expect(decideSentinelQuorum([pass, fail, fail], 2).verdict).to.equal('fail');
    });
  });

  describe('decideWritePool', () => {
    const support = evidence('lb1', 'ipvs', 'ipvs=present: /proc/net/ip_vs exists');
    const table = evidence('lb1', 'ipvsadm -L -n', IPVSADM_LIST);
    const expected = { vip: VIP, port: 6379, protocol: 'TCP', primary: rs1, replicas: [rs2] };
    it('fails when a replica takes connections on the write port', () => {
      const check = decideWritePool('lb1', support, table, expected);
      expect(check.verdict).to.equal('fail');
      expect(check.detail).to.include('rs2');
    });
    it('passes when only the primary has weight there', () => {
      const only = IPVSADM_LIST.replace(/.*192\.168\.56\.22:6379.*\n/, '');
      expect(decideWritePool('lb1', support, evidence('lb1', 'ipvsadm', only), expected).verdict).to.equal(
        'pass',
      );
    });
    it('is not provable without IPVS', () => {
      const absent = evidence(
        'lb1',
        'ipvs',
        'ipvs=absent: no /proc/net/ip_vs and no ip_vs module for kernel 6.1.0',
      );
      expect(decideWritePool('lb1', absent, table, expected).verdict).to.equal('not_provable');
    });
  });

  describe('assessRedisTopology', () => {
    it('expects only the primary in the write pool and the replicas in the read pool', () => {
      const inv = topologyInventory({ sentinel: false, readPort: 6380 });
      const topology = new Map([
        ['rs1', { replication: evidence('rs1', 'INFO', PRIMARY_INFO) }],
        ['rs2', { replication: evidence('rs2', 'INFO', replicaInfo()) }],
      ]);
      const assessed = assessRedisTopology(inv, topology, true);
      expect(assessed.checks.map((check) => `${check.host} ${check.check} ${check.verdict}`)).to.deep.equal([
        'rs1 redis-primary pass',
        'rs2 redis-replica pass',
      ]);
      const twoPools = `${IPVSADM_LIST.replace(/.*192\.168\.56\.22:6379.*\n/, '')}TCP  ${VIP}:6380 rr\n  -> 192.168.56.22:6380           Route   1      0          0\n`;
      const ipvs = assessed.ipvs(
        'lb1',
        evidence('lb1', 'ipvs', 'ipvs=present: /proc/net/ip_vs exists'),
        evidence('lb1', 'ipvsadm', twoPools),
        {
          protocol: 'TCP',
          vip: VIP,
          port: 6379,
          forward: 'Route',
          lbKind: 'DR',
          realServers: inv.real_servers,
        },
      );
      expect(ipvs.map((check) => `${check.check} ${check.verdict}: ${check.title}`)).to.deep.equal([
        `ipvs-service pass: IPVS service TCP ${VIP}:6379`,
        `ipvs-real-server pass: real server rs1 (192.168.56.21:6379) in the IPVS service as Route`,
        `ipvs-role pass: only the primary in the IPVS service TCP ${VIP}:6379`,
        `ipvs-service pass: IPVS service TCP ${VIP}:6380`,
        `ipvs-real-server pass: real server rs2 (192.168.56.22:6380) in the IPVS service as Route`,
      ]);
    });
    it('judges no roles under --limit (half the real servers prove nothing)', () => {
      const inv = topologyInventory({ sentinel: true });
      expect(assessRedisTopology(inv, new Map(), false).checks).to.deep.equal([]);
    });
  });

  describe("the drill's writes", () => {
    it('reads an acknowledged write and a failed one', () => {
      expect(parseWriteLine('w 12 192.168.56.200 13', 500)).to.deep.equal({
        n: 12,
        address: '192.168.56.200',
        acknowledged: true,
        reply: '13',
        at_ms: 500,
      });
      expect(
        parseWriteLine(
          'w 13 192.168.56.21 Could not connect to Redis at 192.168.56.21:6379: Connection refused',
          600,
        ),
      ).to.include({
        acknowledged: false,
      });
      expect(
        parseWriteLine("w 14 192.168.56.21 READONLY You can't write against a read only replica.", 700),
      ).to.include({
        acknowledged: false,
      });
      expect(parseWriteLine('no-primary', 700)).to.equal(undefined);
    });
    it('counts acknowledged writes missing from the list read back; failed ones are not lost', () => {
      const attempts = ['w 1 a 1', 'w 2 a 2', 'w 3 a Could not connect', 'w 4 b 3'].map((line) =>
        parseWriteLine(line, 0)!,
      );
      expect(lostWrites(attempts, '1\n4\n')).to.deep.equal([2]);
      expect(lostWrites(attempts, '1\n2\n4\n')).to.deep.equal([]);
    });
    it("expects Sentinel's down-after and failover, plus keepalived's check through the VIP, plus 2 s", () => {
      const inv = topologyInventory({ sentinel: true });
      expect(expectedOutageMs(inv, true)).to.equal(5000 + 5000 + (6 + 3) * 1000 + 2000);
      expect(expectedOutageMs(inv, false)).to.equal(5000 + 5000 + 2000);
      expect(expectedOutageMs(topologyInventory({ sentinel: false }), true)).to.equal(undefined);
    });
  });
});

function topologyInventory(opts: { sentinel: boolean; readPort?: number }): Inventory {
  return {
    vrrp: { vip: { address: VIP, prefix_length: 24 } },
    service: { port: 6379, protocol: 'TCP', lb_kind: 'DR', delay_loop: 6, check: { connect_timeout: 3 } },
    directors: [
      { name: 'lb1', host: '192.168.56.10', state: 'MASTER' },
      { name: 'lb2', host: '192.168.56.11', state: 'BACKUP' },
    ],
    real_servers: [rs1, rs2],
    redis: {
      manage: true,
      install: false,
      topology: 'primary-replica',
      ...(opts.readPort ? { read_port: opts.readPort } : {}),
      ...(opts.sentinel
        ? { sentinel: { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: ['lb1'] } }
        : {}),
    },
  } as unknown as Inventory;
}
