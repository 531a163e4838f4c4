// The preemption policy on the namespace lab (keepalived 1.2.0, real VRRP): with vrrp.preempt false
// the VIP stays on the director a failover put it on when the preferred one's keepalived returns;
// with vrrp.preempt_delay the preferred director takes it back, but not before the delay. Each
// variant of inventory/lab.yaml is applied over the converged lab; the lab inventory is applied
// again afterwards, which puts the VIP back on lb1. Runs between the verify tests, which leave the
// lab converged, and the destroy tests; not after those (the upgrade and bastion tests start from
// hosts lbprov has emptied, and leave them so).
import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDocument, type YAMLMap } from 'yaml';
import { LAB_INVENTORY, labExec, labExecOk, VIP } from './support/lab.js';
import { ensureConverged, LAB_AUTH_PASS, lbprov, type CliRun } from './support/cluster.js';

interface Measurement {
  what: string;
  measured_ms: number | null;
  expected_ms: number;
  earliest_ms?: number;
  timeliness: string;
}

interface DrillResult {
  type: 'result';
  measurements: Measurement[];
  problems: string[];
  restored: boolean;
  vip_on: string[];
  exit_code: number;
}

const PREEMPT_DELAY_S = 5;
const captured: string[] = [];
const written: string[] = [];

/** inventory/lab.yaml with `vrrp` keys set, in a file beside it (its relative paths hold). */
function variant(name: string, vrrp: Record<string, unknown>): string {
  const document = parseDocument(readFileSync(LAB_INVENTORY, 'utf8'));
  const section = document.get('vrrp') as YAMLMap;
  for (const [key, value] of Object.entries(vrrp)) section.set(key, value);
  const file = join(dirname(LAB_INVENTORY), `.${name}-${basename(LAB_INVENTORY)}`);
  writeFileSync(file, document.toString());
  written.push(file);
  return file;
}

async function cli(args: string[]): Promise<CliRun> {
  const run = await lbprov(args, { timeoutMs: 300_000 });
  captured.push(run.stdout, run.stderr);
  return run;
}

async function apply(inventory: string): Promise<void> {
  const run = await cli(['apply', inventory, '--json']);
  expect(run.code, run.stdout.slice(-3000) + run.stderr).to.equal(0);
}

/** Who holds the VIP, read in the directors' namespaces, not through lbprov. */
async function vipHolders(): Promise<string[]> {
  const held = await Promise.all(
    (['lb1', 'lb2'] as const).map(async (host) =>
      (await labExecOk(host, 'ip -o -4 addr show')).includes(` ${VIP}/`) ? [host] : [],
    ),
  );
  return held.flat();
}

async function drill(inventory: string): Promise<{ run: CliRun; result: DrillResult }> {
  const run = await cli(['drill', 'failover', inventory, '--json']);
  const result = run.events.at(-1) as unknown as DrillResult | undefined;
  expect(result?.type, run.stdout + run.stderr).to.equal('result');
  for (const m of result!.measurements) {
    console.log(
      `      ${m.what}: ${m.measured_ms} ms (expected ${m.earliest_ms === undefined ? '' : `from ${m.earliest_ms} ms `}up to ${m.expected_ms} ms, ${m.timeliness})`,
    );
  }
  console.log(`      the VIP is on ${result!.vip_on.join(' and ')} at the end`);
  return { run, result: result! };
}

/** The drill's plan event: what it announced it would do and expect. */
function plan(run: CliRun): string {
  return String(run.events.find((event) => event.type === 'drill')?.plan);
}

/** 0, or 6 only where a time exceeded keepalived's bound: reported by the drill, not a lab failure. */
function expectDrillExit(run: CliRun, result: DrillResult): void {
  const late = result.measurements.some((m) => m.timeliness === 'slower than expected');
  expect(run.code === 0 || (run.code === 6 && late), `exit ${run.code}\n${run.stdout}`).to.equal(true);
}

async function keepalivedConf(host: 'lb1' | 'lb2'): Promise<string> {
  return labExecOk(host, 'cat /etc/keepalived/keepalived.conf');
}

describe('preemption policy on the lab: nopreempt keeps the VIP where it went, preempt_delay holds the return back', function () {
  before(async () => {
    await ensureConverged();
  });
  after(async () => {
    written.forEach((file) => rmSync(file, { force: true }));
    await ensureConverged();
    // lb1 preempts once it runs with preemption again: give it the Master_Down_Interval and more.
    await new Promise((done) => setTimeout(done, 8000));
    expect(await vipHolders()).to.deep.equal(['lb1']);
    for (const text of captured) expect(text).not.to.include(LAB_AUTH_PASS);
  });

  describe('vrrp.preempt: false', () => {
    let inventory: string;
    before(() => {
      inventory = variant('nopreempt', { preempt: false });
    });

    it('renders state BACKUP and nopreempt on both directors; the reload leaves the VIP on lb1', async () => {
      await apply(inventory);
      for (const host of ['lb1', 'lb2'] as const) {
        const conf = await keepalivedConf(host);
        expect(conf, host).to.match(/^ {4}state BACKUP\n {4}nopreempt$/m);
        expect(conf, host).not.to.match(/state MASTER/);
      }
      expect(await vipHolders()).to.deep.equal(['lb1']);
    });

    it("drill: the VIP moves to lb2 and stays there after lb1's keepalived is back", async function () {
      this.timeout(180_000);
      const { run, result } = await drill(inventory);
      expect(plan(run)).to.include('check that the VIP stays');
      expect(result.problems, run.stdout).to.deep.equal([]);
      expect(result.restored).to.equal(true);
      expect(result.measurements.map((m) => m.what)).to.deep.equal([
        'lb2 (BACKUP) holds the VIP after the stop',
        'lb1 (MASTER) no longer holds the VIP after the stop',
      ]);
      expect(result.vip_on).to.deep.equal(['lb2']);
      expectDrillExit(run, result);
      expect((await labExec('lb1', 'pidof keepalived')).code).to.equal(0);
      // Well past the 4.6 s lb1 would need to preempt (1.2.0): still on lb2 alone.
      await new Promise((done) => setTimeout(done, 10_000));
      expect(await vipHolders()).to.deep.equal(['lb2']);
    });

    it('verify passes with the VIP on lb2 and says it stays there', async () => {
      const run = await cli(['verify', inventory, '--json']);
      const placement = run.events.find((event) => event.check === 'vip-on-one-director');
      expect(placement, run.stdout).to.include({ verdict: 'pass', host: 'lb2' });
      expect(String(placement?.detail)).to.include(
        'not on the preferred director lb1: with vrrp.preempt: false it stays',
      );
      expect(
        run.events.filter((event) => event.verdict === 'fail').map((event) => event.check),
        run.stdout,
      ).to.deep.equal([]);
    });

    it('drill from lb2: stops the director holding the VIP, and it stays on lb1', async function () {
      this.timeout(180_000);
      const { run, result } = await drill(inventory);
      expect(result.problems, run.stdout).to.deep.equal([]);
      expect(result.measurements.map((m) => m.what)).to.deep.equal([
        'lb1 (MASTER) holds the VIP after the stop',
        'lb2 (BACKUP) no longer holds the VIP after the stop',
      ]);
      expect(result.vip_on).to.deep.equal(['lb1']);
      expectDrillExit(run, result);
      expect((await labExec('lb2', 'pidof keepalived')).code).to.equal(0);
      expect(await vipHolders()).to.deep.equal(['lb1']);
    });
  });

  describe(`vrrp.preempt_delay: ${PREEMPT_DELAY_S}`, () => {
    let inventory: string;
    before(() => {
      inventory = variant('preempt-delay', { preempt_delay: PREEMPT_DELAY_S });
    });

    it('renders state BACKUP and preempt_delay on both directors', async () => {
      await apply(inventory);
      for (const host of ['lb1', 'lb2'] as const) {
        expect(await keepalivedConf(host), host).to.match(
          new RegExp(`^ {4}state BACKUP\\n {4}preempt_delay ${PREEMPT_DELAY_S}$`, 'm'),
        );
      }
      expect(await vipHolders()).to.deep.equal(['lb1']);
    });

    it(`drill: lb1 takes the VIP back, not before ${PREEMPT_DELAY_S} s after its keepalived starts`, async function () {
      this.timeout(180_000);
      const { run, result } = await drill(inventory);
      expect(plan(run)).to.include(`not before vrrp.preempt_delay ${PREEMPT_DELAY_S} s`);
      expect(result.problems, run.stdout).to.deep.equal([]);
      expect(result.restored).to.equal(true);
      const [, , back, givenUp] = result.measurements;
      for (const m of [back, givenUp]) {
        expect(m?.earliest_ms, m?.what).to.equal(PREEMPT_DELAY_S * 1000);
        expect(m?.measured_ms, m?.what)
          .to.be.a('number')
          .at.least(PREEMPT_DELAY_S * 1000);
        expect(m?.timeliness, m?.what).to.be.oneOf(['as expected', 'slower than expected']);
      }
      expect(back?.what).to.equal(
        `lb1 (MASTER) holds the VIP again after the start (preemption after preempt_delay ${PREEMPT_DELAY_S} s)`,
      );
      expect(result.vip_on).to.deep.equal(['lb1']);
      expectDrillExit(run, result);
    });
  });
});
