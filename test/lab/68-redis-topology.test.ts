// Redis replication and Sentinel on real hosts (issue 17, items 2, 4 and 5): three real servers,
// `redis.topology: primary-replica` with `redis.sentinel` and a password. lbprov makes rs2 and rs3
// replicas of rs1 and runs a Sentinel on each real server (three: a quorum of 2 without the
// directors, so only the real servers are applied, `--limit real_servers`: no keepalived build).
// Stopping rs1's Redis lets the Sentinels promote a replica; a re-apply then starts rs1's Redis
// again, which comes back as a replica of the new primary, and changes nothing else: lbprov never
// undoes a failover. Destroy takes Sentinel and replication away. The data path through the VIP
// needs IPVS: NOT PROVABLE in this lab (the Vagrant lab's job). Replaces the five-host lab with a
// six-host one and brings the five-host lab back up afterwards, on hosts lbprov has not touched.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { writeScaledInventory } from '../support/lab-inventory.js';
import { runningLabHosts } from '../support/topology.js';
import { LAB_RUN_DIR, LAB_SCRIPT, labExec, labExecOk, run } from './support/lab.js';
import { LAB_AUTH_PASS, lbprov, type CliRun } from './support/cluster.js';

const REAL_SERVERS = ['rs1', 'rs2', 'rs3'] as const;
type RealServerName = (typeof REAL_SERVERS)[number];
const REDIS_PASSWORD = 'Rd5-topology-Pw';
const DOWN_AFTER_MS = 2000;
const FAILOVER_TIMEOUT_MS = 10_000;
/** Files lbprov writes for replication and Sentinel, all gone after destroy. */
const TOPOLOGY_FILES = [
  '/etc/redis/lbprov-sentinel.conf',
  '/etc/redis/lbprov-sentinel.seed',
  '/etc/redis/lbprov-replication.conf',
  '/etc/init.d/lbprov-redis-sentinel',
  '/usr/local/lib/lbprov',
];
/** What destroy must put back: redis.conf byte for byte, and the folders lbprov writes into. */
const BEFORE = [
  'sha256sum /etc/redis/redis.conf',
  // Names, modes and owners (link counts and folder sizes are the overlay filesystem's noise).
  "find /etc/redis /etc/init.d /etc/rc?.d /usr/local/lib -maxdepth 1 -printf '%M %u:%g %p\\n' | sort",
].join('; ');

const captured: string[] = [];
let inventory: string;
let addresses: Record<RealServerName, string>;

async function cli(args: string[]): Promise<CliRun> {
  const result = await lbprov(args, { timeoutMs: 600_000, env: { LBPROV_REDIS_PASSWORD: REDIS_PASSWORD } });
  captured.push(result.stdout, result.stderr);
  return result;
}

async function apply(): Promise<CliRun> {
  const result = await cli(['apply', inventory, '--limit', 'real_servers', '--json']);
  expect(result.code, result.stdout.slice(-4000) + result.stderr).to.equal(0);
  return result;
}

/** A redis-cli command on `host`, authenticated through the environment (never on lbprov's side). */
function redis(host: RealServerName, command: string, port = 6379): Promise<string> {
  return labExecOk(
    host,
    `REDISCLI_AUTH='${REDIS_PASSWORD}' redis-cli --no-auth-warning -p ${port} ${command}`,
  );
}

function sentinel(host: RealServerName, command: string): Promise<string> {
  return labExecOk(host, `redis-cli -p 26379 ${command}`);
}

/** `field:value` from INFO's output. */
function info(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(text)?.[1];
}

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** Resolves once `replica` replicates `primary` with its link up. */
function replicating(replica: RealServerName, primary: RealServerName): Promise<true> {
  return until(`${replica} replicating ${primary}`, 30_000, async () => {
    const text = await redis(replica, 'INFO replication');
    const ok =
      info(text, 'role') === 'slave' &&
      info(text, 'master_host') === addresses[primary] &&
      info(text, 'master_link_status') === 'up';
    return ok ? true : undefined;
  });
}

/** Every step that changed something, as `host step`. */
function changes(result: CliRun): string[] {
  return result.events
    .filter((event) => event.type === 'step' && event.status === 'changed')
    .map((event) => `${String(event.host)} ${String(event.step)}`);
}

function reasons(result: CliRun, step: string): string[] {
  return result.events
    .filter((event) => event.type === 'step' && event.step === step)
    .map((event) => `${String(event.host)}: ${String(event.status)}, ${String(event.reason)}`);
}

async function labUp(realServers?: number): Promise<void> {
  expect((await run('bash', [LAB_SCRIPT, 'down'], { timeoutMs: 300_000 })).code).to.equal(0);
  const args = realServers === undefined ? ['up'] : ['up', '--real-servers', String(realServers)];
  const up = await run('bash', [LAB_SCRIPT, ...args], { timeoutMs: 600_000 });
  expect(up.code, up.stderr.slice(-3000)).to.equal(0);
}

describe('Redis replication and Sentinel failover on three real servers', function () {
  const initially: Partial<Record<RealServerName, string>> = {};

  before(async function () {
    this.timeout(600_000);
    await labUp(REAL_SERVERS.length);
    const hosts = runningLabHosts(LAB_RUN_DIR);
    addresses = Object.fromEntries(
      REAL_SERVERS.map((name) => [name, hosts.find((host) => host.name === name)?.address ?? '']),
    ) as Record<RealServerName, string>;
    inventory = join(mkdtempSync(join(tmpdir(), 'lbprov-redis-topology-')), 'lab.yaml');
    writeScaledInventory(LAB_RUN_DIR, hosts, inventory);
    const document = parseDocument(readFileSync(inventory, 'utf8'));
    document.setIn(['redis', 'topology'], 'primary-replica');
    document.setIn(['redis', 'password'], { env: 'LBPROV_REDIS_PASSWORD' });
    document.setIn(['redis', 'sentinel'], {
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
    });
    writeFileSync(inventory, document.toString());
    for (const host of REAL_SERVERS) initially[host] = await labExecOk(host, BEFORE);
  });

  after(async function () {
    this.timeout(600_000);
    if (inventory) rmSync(join(inventory, '..'), { recursive: true, force: true });
    await labUp();
    for (const text of captured) {
      expect(text).not.to.include(REDIS_PASSWORD);
      expect(text).not.to.include(LAB_AUTH_PASS);
    }
  });

  it('apply makes rs2 and rs3 replicas of rs1 and starts a Sentinel on each; a re-apply changes nothing', async function () {
    this.timeout(900_000);
    await apply();
    await replicating('rs2', 'rs1');
    await replicating('rs3', 'rs1');
    const stamp = `written-on-rs1-${Date.now()}`;
    await redis('rs1', `SET lbprov:topology ${stamp}`);
    for (const host of ['rs2', 'rs3'] as const) {
      await until(`the key on ${host}`, 10_000, async () =>
        (await redis(host, 'GET lbprov:topology')).trim() === stamp ? true : undefined,
      );
    }
    // Each Sentinel watches rs1 and has found the two others (they announce themselves every 2 s).
    for (const host of REAL_SERVERS) {
      expect((await sentinel(host, 'SENTINEL get-master-addr-by-name lbprov')).split('\n')[0]).to.equal(
        addresses.rs1,
      );
      await until(`${host}'s Sentinel finding the others`, 30_000, async () =>
        /^num-other-sentinels\n2$/m.test(await sentinel(host, 'SENTINEL master lbprov')) ? true : undefined,
      );
      // It listens on the host's address and loopback, never on the VIP this real server holds.
      const listening = await labExecOk(host, "ss -ltnH 'sport = :26379' | awk '{print $4}' | sort");
      expect(listening.trim().split('\n').sort(), host).to.deep.equal(
        ['127.0.0.1:26379', `${addresses[host]}:26379`].sort(),
      );
      // Sentinel has rewritten it by now (its id, the others it found): still unreadable to others.
      expect(await labExecOk(host, 'stat -c "%U:%G %a" /etc/redis/lbprov-sentinel.conf')).to.match(
        /^redis:redis 6[46]0\n$/,
      );
      expect(await labExecOk(host, 'grep -c "^sentinel myid" /etc/redis/lbprov-sentinel.conf')).to.equal(
        '1\n',
      );
    }

    const again = await apply();
    expect(changes(again)).to.deep.equal([]);
    console.log(`      re-apply: ${again.summary?.changed} changes; ${reasons(again, 'sentinel-conf')[1]}`);
  });

  it('Sentinel promotes a replica when the primary stops; re-apply restarts the old primary as its replica and reverts nothing', async function () {
    this.timeout(600_000);
    const stopped = Date.now();
    await labExecOk('rs1', 'service redis-server stop >/dev/null; ! pidof redis-server');
    const promoted = await until('a new primary', DOWN_AFTER_MS + FAILOVER_TIMEOUT_MS + 30_000, async () => {
      const answer = (await sentinel('rs2', 'SENTINEL get-master-addr-by-name lbprov')).split('\n')[0];
      const name = REAL_SERVERS.find((host) => host !== 'rs1' && addresses[host] === answer);
      if (name === undefined) return undefined;
      return info(await redis(name, 'INFO replication'), 'role') === 'master' ? name : undefined;
    });
    const measured = Date.now() - stopped;
    console.log(
      `      rs1 stopped -> ${promoted} promoted in ${measured} ms (down-after ${DOWN_AFTER_MS} ms + failover-timeout ${FAILOVER_TIMEOUT_MS} ms)`,
    );
    const other = REAL_SERVERS.find((host) => host !== 'rs1' && host !== promoted)!;
    await replicating(other, promoted);

    // The only change: rs1's Redis started again. Sentinel makes it a replica of the new primary.
    const reapplied = await apply();
    expect(changes(reapplied)).to.deep.equal(['rs1 redis-running']);
    await replicating('rs1', promoted);
    const stamp = `written-on-${promoted}-${Date.now()}`;
    await redis(promoted, `SET lbprov:topology ${stamp}`);
    await until("the new primary's key on rs1", 10_000, async () =>
      (await redis('rs1', 'GET lbprov:topology')).trim() === stamp ? true : undefined,
    );

    const again = await apply();
    expect(changes(again)).to.deep.equal([]);
    const seeds = [
      ...reasons(again, 'redis-replication-seed'),
      ...reasons(again, 'redis-replication-seed-primary'),
    ];
    for (const line of [
      ...seeds.filter((text) => !text.includes(': skipped,')),
      ...reasons(again, 'sentinel-conf'),
    ]) {
      console.log(`      ${line}`);
    }
    expect(info(await redis(promoted, 'INFO replication'), 'role')).to.equal('master');
    // Sentinel's CONFIG REWRITE keeps the new roles across restarts; the password stays masked.
    expect(await labExecOk(promoted, 'grep -c "^replicaof" /etc/redis/redis.conf || true')).to.equal('0\n');
    expect(await labExecOk('rs1', 'grep "^replicaof" /etc/redis/redis.conf')).to.equal(
      `replicaof ${addresses[promoted]} 6379\n`,
    );
  });

  it('destroy stops Sentinel and ends replication, leaving redis.conf and the folders as lbprov found them', async function () {
    this.timeout(600_000);
    const destroyed = await cli(['destroy', inventory, '--limit', 'real_servers', '--yes', '--json']);
    expect(destroyed.code, destroyed.stdout.slice(-4000)).to.equal(0);
    // Sentinel's CONFIG REWRITE changed redis.conf after lbprov wrote it: destroy puts the original
    // back and, as for any file changed by someone else, keeps that version beside it and says so.
    const kept = destroyed.events
      .filter(
        (event) =>
          event.type === 'warning' && /redis\.conf changed since lbprov wrote it/.test(String(event.message)),
      )
      .map((event) => String(event.host));
    console.log(`      destroy kept Sentinel's rewritten redis.conf on: ${kept.join(', ') || 'none'}`);
    for (const host of REAL_SERVERS) {
      await labExecOk(host, 'rm -f /etc/redis/redis.conf.lbprov-modified-*');
      expect(await labExecOk(host, BEFORE), host).to.equal(initially[host]);
      expect((await labExec(host, 'pidof redis-sentinel')).code, `${host}: a Sentinel still runs`).to.equal(
        1,
      );
      expect(await labExecOk(host, `ls -d ${TOPOLOGY_FILES.join(' ')} 2>/dev/null; true`), host).to.equal('');
    }
  });
});
