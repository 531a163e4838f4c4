// `lbprov verify --limit`: only the selected hosts are contacted and checked; the checks about the
// whole cluster need every director and are reported as not run without one.
import { expect } from 'chai';
import type { HostEntry, Inventory } from '../../../src/model/inventory.js';
import { assessCluster, verifySummary } from '../../../src/verify/checks.js';
import { collectClusterEvidence } from '../../../src/verify/collect.js';
import { jsonObjects, plainLines } from '../cli/fixtures/render.js';
import { verifyScope } from '../../../src/verify/scope.js';

const CLIENT = '192.168.56.30';
const inventory = {
  keepalived: { prefix: '/usr/local/keepalived' },
  vrrp: { vip: { address: '192.168.56.200', prefix_length: 24 } },
  service: { port: 6379, protocol: 'TCP', lb_kind: 'DR' },
  directors: [
    { name: 'lb1', host: '192.168.56.10', state: 'MASTER' },
    { name: 'lb2', host: '192.168.56.11', state: 'BACKUP' },
  ],
  real_servers: [
    { name: 'rs1', host: '192.168.56.21' },
    { name: 'rs2', host: '192.168.56.22' },
  ],
  redis: { manage: true, install: false },
  verify: { client: CLIENT, ssh: {} },
} as unknown as Inventory;

/** Every host refuses: what matters is who was asked, and the checks that follow. */
async function contacted(selected?: ReadonlySet<string>) {
  const asked: string[] = [];
  const scope = verifyScope(inventory, selected);
  const evidence = await collectClusterEvidence(
    inventory,
    (entry: HostEntry) => {
      asked.push(entry.name);
      return Promise.reject(new Error('connection refused'));
    },
    scope,
  );
  return { asked: asked.sort(), checks: assessCluster(inventory, evidence, scope), scope };
}

describe('verify --limit', () => {
  it('without --limit: every host and the client, nothing left out', async () => {
    const { asked, scope } = await contacted();
    expect(asked).to.deep.equal([CLIENT, 'lb1', 'lb2', 'rs1', 'rs2']);
    expect(scope).to.deep.include({ wholeCluster: true, leftOut: [], notRun: [] });
  });

  it('one director: only it is contacted; the cluster checks are not run, saying why', async () => {
    const { asked, checks, scope } = await contacted(new Set(['lb1']));
    expect(asked).to.deep.equal(['lb1']);
    expect(checks.map((check) => `${check.host}: ${check.check}`)).to.deep.equal(['lb1: reachable']);
    expect(scope.leftOut).to.deep.equal(['lb2', 'rs1', 'rs2']);
    expect(scope.notRun).to.deep.equal([
      { check: 'vip-on-one-director', reason: 'needs every director, and --limit left out lb2' },
      { check: 'redis-ping-via-vip', reason: 'needs every director, and --limit left out lb2' },
    ]);
  });

  it('one real server: it, and the client for its PING only', async () => {
    const { asked, checks } = await contacted(new Set(['rs2']));
    expect(asked).to.deep.equal([CLIENT, 'rs2']);
    expect(checks.map((check) => `${check.host}: ${check.check}`)).to.deep.equal([
      'rs2: reachable',
      `${CLIENT}: reachable`,
    ]);
  });

  it('both directors: the cluster checks run, the real servers are left out', async () => {
    const { asked, checks, scope } = await contacted(new Set(['lb1', 'lb2']));
    expect(asked).to.deep.equal([CLIENT, 'lb1', 'lb2']);
    expect(checks.map((check) => check.check)).to.include('vip-on-one-director');
    expect(scope).to.deep.include({ wholeCluster: true, leftOut: ['rs1', 'rs2'], notRun: [] });
  });

  it('the report names what --limit left out, in text and in the JSON summary', () => {
    const scope = verifyScope(inventory, new Set(['lb1']));
    const summary = verifySummary([], { unreachable: 3, failed: 6 }, scope, '192.168.56.200');
    const lines = plainLines([summary]);
    expect(lines).to.include('Not checked: lb2, rs1, rs2 (left out by --limit)');
    expect(lines).to.include('Not run: vip-on-one-director: needs every director, and --limit left out lb2');
    expect(lines.at(-1)).to.equal('Verified: no check failed (only on the hosts --limit selected).');
    const last = jsonObjects([summary]).at(-1)!;
    expect(last).to.deep.include({ type: 'summary', exit_code: 0, left_out: ['lb2', 'rs1', 'rs2'] });
    expect(last.not_run).to.have.length(2);
  });
});
