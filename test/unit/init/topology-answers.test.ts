// What `lbprov init` writes for each Redis topology answer: an inventory that validate accepts
// with the same rules as a hand-written one, the topology explained where the file says it, and
// no topology warning left to read (choosing one is what the warning asks for).
import { expect } from 'chai';
import { parse } from 'yaml';
import { composeInventory, type InitAnswers } from '../../../src/cli/init/answers.js';
import type { TopologyAnswers } from '../../../src/cli/init/ask-redis.js';
import { renderInventory } from '../../../src/cli/init/render.js';
import {
  formatDiagnostic,
  readPortProblem,
  readPortSshProblem,
  sentinelCountProblem,
  servicePortSentinelProblem,
  validateInventoryText,
} from '../../../src/inventory/index.js';
import { initialPrimary, sentinelHosts } from '../../../src/model/redis-topology.js';

const FILE = 'inventory.yaml';

function answers(topology: TopologyAnswers, realServers = ['10.8.80.221', '10.8.80.222']): InitAnswers {
  return {
    cluster: {
      vrrp: { interface: 'ens192', virtual_router_id: 77, vip: '10.8.80.200/24' },
      directors: [
        { host: '10.8.80.218', state: 'MASTER', priority: 101 },
        { host: '10.8.80.217', state: 'BACKUP', priority: 10 },
      ],
      real_servers: realServers.map((host) => ({ host, weight: 1 })),
      service: { port: 6379, lb_algo: 'rr' },
    },
    topology,
    software: {
      keepalived: {
        version: '2.2.7',
        source: 'https://www.keepalived.org/software/keepalived-2.2.7.tar.gz',
        sha256: 'ab'.repeat(32),
      },
      ipvsadm: {
        version: '1.31',
        source: 'https://mirrors.edge.kernel.org/pub/linux/utils/kernel/ipvsadm/ipvsadm-1.31.tar.gz',
        sha256: 'cd'.repeat(32),
      },
    },
    secrets: { vrrp: { stored: 'env', env: 'LBPROV_AUTH_PASS' } },
    ssh: {
      user: 'root',
      port: 22,
      known_hosts: '~/.ssh/known_hosts',
      host_key_policy: 'strict',
      become: false,
    },
  };
}

/** The file init would write, validated as `lbprov validate` validates it. */
function written(topology: TopologyAnswers, realServers?: string[]) {
  const text = renderInventory(composeInventory(answers(topology, realServers), 'as-answered'), FILE);
  const result = validateInventoryText(text, FILE, { LBPROV_AUTH_PASS: 'Zq7secr8' });
  expect(result.errors.map(formatDiagnostic), text).to.deep.equal([]);
  const data = parse(text) as { redis: Record<string, unknown>; service: Record<string, unknown> };
  const topologyWarnings = result.warnings
    .filter((w) => ['service.lb_algo', 'redis.topology'].includes(w.path))
    .map(formatDiagnostic);
  return { text, data, inventory: result.inventory!, topologyWarnings };
}

describe('lbprov init: the Redis topology it writes', () => {
  it('independent: said explicitly, checked over the Redis protocol, no topology warning', () => {
    const { text, data, inventory, topologyWarnings } = written({ topology: 'independent' });
    expect(data.redis).to.deep.equal({ manage: true, install: false, topology: 'independent' });
    expect(data.service.check).to.deep.include({ type: 'redis' });
    expect(inventory.service.check.type).to.equal('redis');
    expect(topologyWarnings).to.deep.equal([]);
    expect(text).to.match(/^ *# independent: every real server serves every client from its own data/m);
    expect(text).to.match(/^ *# rr spreads clients over the real servers, each with its own data/m);
  });

  it('primary-replica with Sentinel on a director: the answers as the model reads them', () => {
    const { text, data, inventory, topologyWarnings } = written({
      topology: 'primary-replica',
      primary: '10.8.80.222',
      read_port: 6380,
      sentinel: { also_on: ['10.8.80.218'] },
    });
    expect(data.redis).to.deep.equal({
      manage: true,
      install: false,
      topology: 'primary-replica',
      primary: '10.8.80.222',
      read_port: 6380,
      sentinel: { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: ['10.8.80.218'] },
    });
    expect(initialPrimary(inventory)?.host).to.equal('10.8.80.222');
    expect(sentinelHosts(inventory).map((h) => h.host)).to.deep.equal([
      '10.8.80.221',
      '10.8.80.222',
      '10.8.80.218',
    ]);
    expect(topologyWarnings).to.deep.equal([]);
    expect(text).to.include(
      '  sentinel: { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: [ 10.8.80.218 ] }',
    );
    expect(text).to.match(/^ *# primary-replica: one dataset/m);
    expect(text).to.match(/^ *# rr spreads the read port's clients over the replicas/m);
    expect(text).to.match(/^ *# Redis Sentinel on every real server and the directors in also_on/m);
  });

  it('primary-replica without Sentinel: sentinel: false, said knowingly, and the file says what that means', () => {
    const { text, data, topologyWarnings } = written({
      topology: 'primary-replica',
      primary: '10.8.80.221',
      sentinel: false,
    });
    expect(data.redis).to.deep.include({ sentinel: false, primary: '10.8.80.221' });
    expect(data.redis).not.to.have.property('read_port');
    expect(topologyWarnings).to.deep.equal([]);
    expect(text).to.match(/^ *# No Sentinel: a failed primary stays failed/m);
  });

  it('three real servers: Sentinel needs no director', () => {
    const { data, inventory } = written(
      { topology: 'primary-replica', primary: '10.8.80.221', sentinel: { also_on: [] } },
      ['10.8.80.221', '10.8.80.222', '10.8.80.223'],
    );
    expect(data.redis).to.deep.include({
      sentinel: { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: [] },
    });
    expect(sentinelHosts(inventory)).to.have.length(3);
  });

  it('the answer checks are the rules validate applies to the file', () => {
    // The same Problem objects the file's findings carry: init shows their message and hint.
    const context = { servicePort: 6379, realServers: 2 };
    expect(readPortProblem(6379, { ...context, sentinel: false })?.message).to.include('service.port');
    expect(readPortProblem(26379, { ...context, sentinel: true })?.message).to.include("Sentinel's port");
    expect(readPortProblem(26379, { ...context, sentinel: false })).to.equal(undefined);
    expect(readPortSshProblem(6380, 6380)?.message).to.include('SSH port are both 6380');
    expect(servicePortSentinelProblem(26379)?.message).to.include("Sentinel's port");
    expect(sentinelCountProblem(2, ['10.8.80.218'], 'object')?.hint).to.equal(
      'run a Sentinel on a director too: also_on: [10.8.80.218]',
    );
    expect(sentinelCountProblem(3, [], 'object')).to.equal(undefined);
  });
});
