// What each real server gets for a Redis topology (issue 17): lbprov's replication file, the
// one-time replicaof seed with Sentinel, and Sentinel's configuration, derived from the inventory
// by procedure/vars the way apply does it.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { validateInventoryText } from '../../../src/inventory/index.js';
import type { Inventory } from '../../../src/model/inventory.js';
import { realServerVars } from '../../../src/procedure/vars.js';
import { sentinelVars } from '../../../src/procedure/redis-topology-vars.js';
import {
  renderSentinelConf,
  renderSentinelInitScript,
  renderSentinelUnit,
} from '../../../src/render/redis-sentinel.js';

const BASE = readFileSync(new URL('../../fixtures/inventories/base.yaml', import.meta.url), 'utf8');
const PASSWORD = 'Rp7-x!q2@Zz#w0$k';
const THREE_REAL_SERVERS = BASE.replace(
  '  - { host: 192.168.56.22, weight: 1 }\n',
  '  - { host: 192.168.56.22, weight: 1 }\n  - { host: 192.168.56.23, weight: 1 }\n',
);

function inventoryWith(redis: string, text = THREE_REAL_SERVERS): Inventory {
  const { inventory, errors } = validateInventoryText(
    text.replace('  install: false\n', `  install: false\n${redis}`),
    'inventory.yaml',
    { HOME: '/home/op', LBPROV_REDIS_PASSWORD: PASSWORD },
  );
  if (!inventory) throw new Error(`test bug: ${JSON.stringify(errors)}`);
  return inventory;
}

const SENTINEL =
  '  topology: primary-replica\n  sentinel: { down_after_ms: 2000, failover_timeout_ms: 9000 }\n';

describe('Redis replication and Sentinel on the real servers', () => {
  it('primary-replica without Sentinel: every host but the primary replicates it through lbprov’s file', () => {
    const inventory = inventoryWith('  topology: primary-replica\n  primary: 192.168.56.22\n');
    const [rs1, rs2, rs3] = inventory.real_servers.map(
      (server) => realServerVars(inventory, server).redis.replication,
    );
    expect(rs2).to.deep.include({ on: true, kept: true, seeded: false, replica: false });
    expect(rs2?.content).not.to.match(/^replicaof/m);
    for (const replica of [rs1, rs3]) {
      expect(replica).to.deep.include({ kept: true, replica: true });
      expect(replica?.content).to.match(/^replicaof 192\.168\.56\.22 6379$/m);
    }
  });

  it('independent or no topology: no replication is kept, so a former replica loses lbprov’s replicaof', () => {
    for (const redis of ['  topology: independent\n', '']) {
      const inventory = inventoryWith(redis);
      const replication = realServerVars(inventory, inventory.real_servers[1]!).redis.replication;
      expect(replication).to.deep.include({ on: false, kept: false, seeded: false, replica: false });
      expect(realServerVars(inventory, inventory.real_servers[1]!).redis.sentinel.here).to.equal(false);
    }
  });

  it('with Sentinel: replication is seeded into redis.conf once, and every real server runs a Sentinel', () => {
    const inventory = inventoryWith(`${SENTINEL}  password: { env: LBPROV_REDIS_PASSWORD }\n`);
    const vars = inventory.real_servers.map((server) => realServerVars(inventory, server, PASSWORD).redis);
    expect(vars.map((redis) => redis.replication.seed_line)).to.deep.equal([
      '',
      'replicaof 192.168.56.21 6379',
      'replicaof 192.168.56.21 6379',
    ]);
    for (const redis of vars) {
      expect(redis.replication).to.deep.include({ kept: false, seeded: true });
      expect(redis.sentinel.here).to.equal(true);
      // Any host may become a replica after a failover: each authenticates to its primary.
      expect(redis.auth.content).to.match(/^masterauth /m);
    }
    const conf = vars[2]!.sentinel.conf;
    // Three Sentinels: two must agree the primary is down.
    expect(conf).to.match(/^sentinel monitor lbprov 192\.168\.56\.21 6379 2$/m);
    expect(conf).to.match(/^sentinel down-after-milliseconds lbprov 2000$/m);
    expect(conf).to.match(/^sentinel failover-timeout lbprov 9000$/m);
    expect(conf).to.include(`sentinel auth-pass lbprov ${PASSWORD}\n`);
    // Its own address, never the VIP it holds on lo.
    expect(conf).to.match(/^bind 127\.0\.0\.1 192\.168\.56\.23$/m);
    expect(conf).to.match(/^sentinel announce-ip 192\.168\.56\.23$/m);
    expect(conf).not.to.include(inventory.vrrp.vip.address);
  });

  it('a director in also_on runs a Sentinel too, counted in the quorum; the other director none', () => {
    const inventory = inventoryWith(
      '  topology: primary-replica\n  sentinel: { also_on: [192.168.56.10] }\n',
      BASE,
    );
    const [lb1, lb2] = inventory.directors.map((director) => sentinelVars(inventory, director));
    expect(lb1?.here).to.equal(true);
    expect(lb1?.conf).to.match(/^sentinel monitor lbprov 192\.168\.56\.21 6379 2$/m);
    expect(lb1?.conf).to.match(/^bind 127\.0\.0\.1 192\.168\.56\.10$/m);
    expect(lb2?.here).to.equal(false);
    expect(lb2?.conf).to.equal('');
  });

  it('without a password Sentinel gets no auth-pass; a named host makes Sentinel resolve names', () => {
    const named = renderSentinelConf({
      host: 'redis-b.example.net',
      primary: { host: 'redis-a.example.net', port: 6380 },
      quorum: 2,
      downAfterMs: 5000,
      failoverTimeoutMs: 60000,
    });
    expect(named).not.to.include('auth-pass');
    expect(named).to.match(/^sentinel resolve-hostnames yes$/m);
    expect(named).to.match(/^sentinel announce-ip redis-b\.example\.net$/m);
    expect(named).not.to.match(/^bind /m);
  });

  it('the SysV script is POSIX sh with an LSB header, and judges Sentinel by its pid file', () => {
    const script = renderSentinelInitScript();
    execFileSync('sh', ['-n'], { input: script });
    expect(script).to.match(/^### BEGIN INIT INFO\n# Provides: +lbprov-redis-sentinel$/m);
    // Sentinel rewrites its file (auth-pass in it) with the mode its umask leaves: never world-readable.
    expect(script).to.include('--chuid redis:redis --umask 007');
    expect(renderSentinelUnit()).to.match(/^UMask=0007$/m);
    expect(script).to.include("PIDFILE='/run/lbprov-redis-sentinel.pid'");
  });
});
