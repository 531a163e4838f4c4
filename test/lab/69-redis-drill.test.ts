// verify and `drill redis-primary` on a primary-replica cluster with Sentinel (issue 17, item 3):
// three real servers, a Sentinel on each and a Redis password, applied with `--limit real_servers`
// (no keepalived build: the directors' part is not what these checks are about). verify names the
// primary and passes; the drill stops Redis on it while the client writes numbered values, sees a
// replica promoted, counts no acknowledged write lost, starts the old primary again as a replica,
// and verify passes afterwards naming the new primary. This kernel has no IPVS: the writes go where
// Sentinel says (as a Sentinel-aware client's do), and the VIP's data path is reported not provable.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { writeScaledInventory } from '../support/lab-inventory.js';
import { runningLabHosts } from '../support/topology.js';
import { LAB_RUN_DIR, LAB_SCRIPT, labExecOk, run } from './support/lab.js';
import { LAB_AUTH_PASS, lbprov, type CliRun } from './support/cluster.js';

const REAL_SERVERS = ['rs1', 'rs2', 'rs3'] as const;
const REDIS_PASSWORD = 'Rd6-drill-Pw';
const DOWN_AFTER_MS = 2000;

interface CheckEvent {
  type: 'check';
  check: string;
  host: string;
  verdict: 'pass' | 'fail' | 'not_provable';
  detail: string;
}

interface DrillResultEvent {
  type: 'result';
  measurements: { what: string; measured_ms: number | null; expected_ms: number; timeliness: string }[];
  not_provable: string[];
  problems: string[];
  restored: boolean;
  redis_writes: {
    via: string;
    old_primary: string;
    new_primary?: string;
    attempts: number;
    acknowledged: number;
    failed: number;
    lost: number | null;
  };
  exit_code: number;
}

const captured: string[] = [];
let inventory: string;

async function cli(args: string[]): Promise<CliRun> {
  const result = await lbprov(args, { timeoutMs: 600_000, env: { LBPROV_REDIS_PASSWORD: REDIS_PASSWORD } });
  captured.push(result.stdout, result.stderr);
  return result;
}

async function verify(): Promise<{ run: CliRun; checks: CheckEvent[] }> {
  const run = await cli(['verify', inventory, '--limit', 'real_servers', '--json']);
  return { run, checks: run.events.filter((event) => event.type === 'check') as unknown as CheckEvent[] };
}

function verdicts(checks: CheckEvent[], ids: string[]): string[] {
  return checks.filter((check) => ids.includes(check.check)).map((c) => `${c.host} ${c.check} ${c.verdict}`);
}

async function until(what: string, deadlineMs: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((done) => setTimeout(done, 300));
  }
}

async function labUp(realServers?: number): Promise<void> {
  expect((await run('bash', [LAB_SCRIPT, 'down'], { timeoutMs: 300_000 })).code).to.equal(0);
  const args = realServers === undefined ? ['up'] : ['up', '--real-servers', String(realServers)];
  const up = await run('bash', [LAB_SCRIPT, ...args], { timeoutMs: 600_000 });
  expect(up.code, up.stderr.slice(-3000)).to.equal(0);
}

describe('verify and drill redis-primary on a primary-replica cluster with Sentinel', function () {
  before(async function () {
    this.timeout(1_200_000);
    await labUp(REAL_SERVERS.length);
    inventory = join(mkdtempSync(join(tmpdir(), 'lbprov-redis-drill-')), 'lab.yaml');
    writeScaledInventory(LAB_RUN_DIR, runningLabHosts(LAB_RUN_DIR), inventory);
    const document = parseDocument(readFileSync(inventory, 'utf8'));
    document.setIn(['redis', 'topology'], 'primary-replica');
    document.setIn(['redis', 'password'], { env: 'LBPROV_REDIS_PASSWORD' });
    document.setIn(['redis', 'sentinel'], { down_after_ms: DOWN_AFTER_MS, failover_timeout_ms: 10_000 });
    writeFileSync(inventory, document.toString());
    const applied = await cli(['apply', inventory, '--limit', 'real_servers', '--json']);
    expect(applied.code, applied.stdout.slice(-4000) + applied.stderr).to.equal(0);
    // Converged: each Sentinel has found the two others (they announce themselves every 2 s).
    for (const host of REAL_SERVERS) {
      await until(`${host}'s Sentinel finding the others`, 30_000, async () =>
        /^num-other-sentinels\n2$/m.test(await labExecOk(host, 'redis-cli -p 26379 SENTINEL master lbprov')),
      );
    }
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

  it('verify passes and names the primary, its replicas in sync and every Sentinel agreeing', async function () {
    this.timeout(120_000);
    await until('rs2 and rs3 in sync', 30_000, async () => {
      const { checks } = await verify();
      return verdicts(checks, ['redis-replica']).every((line) => line.endsWith(' pass'));
    });
    const { run, checks } = await verify();
    expect(run.code, run.stdout.slice(-4000)).to.equal(0);
    expect(checks.filter((check) => check.verdict === 'fail')).to.deep.equal([]);
    expect(verdicts(checks, ['redis-primary', 'redis-replica', 'sentinel', 'sentinel-quorum'])).to.deep.equal(
      [
        'rs1 redis-primary pass',
        'rs2 redis-replica pass',
        'rs3 redis-replica pass',
        'rs1 sentinel pass',
        'rs2 sentinel pass',
        'rs3 sentinel pass',
        'rs1, rs2, rs3 sentinel-quorum pass',
      ],
    );
    expect(checks.find((check) => check.check === 'redis-primary')?.detail).to.match(
      /^rs1 \(\S+\) is the primary$/,
    );
  });

  it('the drill sees a replica promoted, loses no acknowledged write, restores rs1 as a replica; verify passes after', async function () {
    this.timeout(600_000);
    const drill = await cli(['drill', 'redis-primary', inventory, '--json']);
    const result = drill.events.at(-1) as unknown as DrillResultEvent;
    expect(result?.type, drill.stdout.slice(-4000) + drill.stderr).to.equal('result');
    const [outage] = result.measurements;
    console.log(
      `      writes failed for ${outage?.measured_ms} ms (expected within ${outage?.expected_ms} ms: ${outage?.timeliness}); ` +
        `${result.redis_writes.acknowledged} of ${result.redis_writes.attempts} writes acknowledged, ${result.redis_writes.lost} lost; ` +
        `${result.redis_writes.old_primary} -> ${result.redis_writes.new_primary}`,
    );
    expect(result.problems, drill.stdout.slice(-4000)).to.deep.equal([]);
    expect(result.restored).to.equal(true);
    expect(outage?.measured_ms).to.be.a('number');
    expect(result.redis_writes).to.include({ via: 'sentinel', old_primary: 'rs1', lost: 0 });
    expect(result.redis_writes.failed).to.be.greaterThan(0);
    // Ten acknowledged before the stop and ten after the failover, all read back on the new primary.
    expect(result.redis_writes.acknowledged).to.be.at.least(20);
    expect(['rs2', 'rs3']).to.include(result.redis_writes.new_primary);
    expect(result.not_provable).to.have.length(1);
    expect(result.not_provable[0]).to.match(
      /^writes through the VIP .*: not provable: this kernel has no IPVS$/,
    );
    expect(result.exit_code).to.equal(outage?.timeliness === 'as expected' ? 0 : 6);

    const newPrimary = result.redis_writes.new_primary!;
    await until('rs1 in sync as a replica', 30_000, async () => {
      const { run } = await verify();
      return run.code === 0;
    });
    const { checks } = await verify();
    const primary = checks.find((check) => check.check === 'redis-primary');
    expect(primary).to.include({ verdict: 'pass', host: newPrimary });
    expect(primary?.detail).to.include('not rs1, where lbprov started it');
    expect(verdicts(checks, ['redis-replica']).sort()).to.deep.equal(
      REAL_SERVERS.filter((host) => host !== newPrimary).map((host) => `${host} redis-replica pass`),
    );
  });
});
