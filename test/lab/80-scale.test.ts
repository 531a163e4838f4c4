// The lab at 20 real servers (22 hosts): lab.sh derives the names and addresses from lab/topology,
// the inventory is generated from what came up, and lbprov converges it, then re-applies with no
// change and one probe round trip per host. A test of correctness at a size, not of speed
// (bench/scale.ts measures that). Runs last: it replaces the five-host lab and takes the scaled one
// down.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';

import { join } from 'node:path';
import { writeScaledInventory } from '../support/lab-inventory.js';
import { readTopology, runningLabHosts } from '../support/topology.js';
import { LAB_RUN_DIR, LAB_SCRIPT, run } from './support/lab.js';
import { LAB_AUTH_PASS, lbprov } from './support/cluster.js';
import { tempDir } from '../support/temp-dir.js';

const REAL_SERVERS = 20;

describe('the lab at 20 real servers', function () {
  let inventory: string;
  let log: string;

  it('comes up with rs1..rs20 on distinct free addresses, the Vagrant lab names kept', async function () {
    this.timeout(600_000);
    expect((await run('bash', [LAB_SCRIPT, 'down'], { timeoutMs: 300_000 })).code).to.equal(0);
    const up = await run('bash', [LAB_SCRIPT, 'up', '--real-servers', String(REAL_SERVERS)], {
      timeoutMs: 600_000,
    });
    expect(up.code, up.stderr.slice(-3000)).to.equal(0);
    const hosts = runningLabHosts(LAB_RUN_DIR);
    const realServers = hosts.filter((host) => host.role === 'real_server');
    expect(realServers.map((host) => host.name)).to.deep.equal(
      Array.from({ length: REAL_SERVERS }, (_, i) => `rs${i + 1}`),
    );
    const addresses = hosts.map((host) => host.address);
    expect(new Set(addresses).size).to.equal(addresses.length);
    // The five-host lab's (and the Vagrant lab's) names keep their addresses; none takes the VIP's.
    const base = readTopology();
    expect(addresses).not.to.include(base.vip);
    const address = (name: string) => hosts.find((host) => host.name === name)?.address;
    for (const host of base.hosts) expect(address(host.name), host.name).to.equal(host.address);
    // And lab.sh derived what the tests and the benchmarks derive from lab/topology.
    expect(hosts).to.deep.equal(readTopology({ realServers: REAL_SERVERS }).hosts);

    const dir = tempDir('lbprov-scale-');
    inventory = join(dir, 'scale.yaml');
    log = join(dir, 'noop.log');
    writeScaledInventory(LAB_RUN_DIR, hosts, inventory);
  });

  it('converges all 22 hosts', async function () {
    this.timeout(1_800_000);
    const cold = await lbprov(['apply', inventory, '--json'], { timeoutMs: 1_800_000 });
    expect(cold.code, cold.stdout.slice(-3000)).to.equal(0);
    expect(Object.keys(cold.summary?.hosts ?? {})).to.have.length(REAL_SERVERS + 2);
  });

  it('a re-apply changes nothing and asks each host one probe, no more', async function () {
    this.timeout(600_000);
    const again = await lbprov(['--log', log, 'apply', inventory, '--json']);
    expect(again.code, again.stdout.slice(-3000)).to.equal(0);
    expect(again.summary?.changed).to.equal(0);
    const commands = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; host?: string })
      .filter((event) => event.type === 'command');
    const perHost = new Map<string, number>();
    for (const command of commands) perHost.set(command.host!, (perHost.get(command.host!) ?? 0) + 1);
    expect(perHost.size).to.equal(REAL_SERVERS + 2);
    expect(
      [...perHost.values()].every((count) => count === 1),
      JSON.stringify([...perHost]),
    ).to.equal(true);
    expect(readFileSync(log, 'utf8')).not.to.include(LAB_AUTH_PASS);
  });

  after(async function () {
    this.timeout(300_000);
    // test/lab/run.sh then checks that nothing of the lab is left.
    await run('bash', [LAB_SCRIPT, 'down'], { timeoutMs: 300_000 });
  });
});
