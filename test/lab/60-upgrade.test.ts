// Upgrade in place on the namespace lab: the how-to's keepalived 1.2.0 / ipvsadm 1.26 cluster is
// moved to 2.2.7 / 1.31 by applying inventory/lab-current.yaml, while both directors are sampled
// for the VIP; then back (downgrade), and destroy leaves every host as it was before. Runs after
// the destroy tests, on hosts lbprov has emptied. The MASTER's restart is covered by the BACKUP
// standing in (src/procedure/stand-in.ts): the VIP moves twice and is never on neither director.
import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { LAB_CURRENT_INVENTORY, LAB_INVENTORY, labExecOk, VIP } from './support/lab.js';
import { ensureConverged, LAB_AUTH_PASS, lbprov, type CliRun } from './support/cluster.js';
import { differences, HOSTS, LEFTOVERS, snapshot, type Snapshot } from './support/snapshot.js';
import { describeVipHistory, standInNotes, type VipHistory } from '../support/vip-watch.js';
import { watchVipInNamespaces } from './support/vip-namespaces.js';

const DIRECTORS = ['lb1', 'lb2'] as const;
const SAMPLE_EVERY_S = 0.02;
/**
 * A handover (preemption) puts the VIP on the new MASTER a moment before the old one hears its
 * advert and lets go; a split brain lasts advert after advert. One advert_int tells them apart.
 */
const ADVERT_INT_MS = 1000;

/** Runs `apply` on `inventory` while both directors are sampled; returns the run and the VIP's history. */
async function applySampled(inventory: string, log?: string): Promise<{ run: CliRun; history: VipHistory }> {
  const watch = watchVipInNamespaces(DIRECTORS, VIP, SAMPLE_EVERY_S);
  await new Promise((done) => setTimeout(done, 1000));
  const run = await lbprov([...(log ? ['--log', log] : []), 'apply', inventory, '--json']);
  captured.push(run.stdout, run.stderr);
  // A restarted MASTER preempts a few seconds after apply returns: keep sampling through that.
  await new Promise((done) => setTimeout(done, 8000));
  return { run, history: await watch.stop() };
}

const captured: string[] = [];

/**
 * What an operator who followed the how-to by hand may have left where lbprov's builds install:
 * destroy must put these back as they were, not delete them or leave lbprov's build in their place.
 */
const OPERATORS_OWN = {
  lb1: { path: '/usr/local/keepalived/etc/operator-note', content: 'built by hand from the how-to\n' },
  lb2: { path: '/sbin/ipvsadm-save', content: "#!/bin/sh\n# the operator's own ipvsadm-save\n" },
} as const;

function summarise(history: VipHistory): string {
  return `${describeVipHistory(history)}, every ${SAMPLE_EVERY_S * 1000} ms; a handover must stay below ${ADVERT_INT_MS} ms on both, and never on neither`;
}

/** The MASTER's restart was covered: lb2 took the VIP, then lb1 took it back, and nothing went wrong. */
function expectStoodIn(run: CliRun): void {
  const warnings = run.events
    .filter((event) => event.type === 'warning' && event.host !== undefined)
    .map((event) => String(event.message));
  expect(warnings, run.stdout.slice(-3000)).to.deep.equal([]);
  const { notes, tookOver, gaveBack } = standInNotes(run.events);
  expect({ tookOver, gaveBack }, notes.join('\n')).to.deep.equal({ tookOver: true, gaveBack: true });
}

/** `inventory` with one real server's weight changed, in a file beside it (its relative paths hold). */
function weighted(inventory: string, server: string, weight: number): string {
  const document = parseDocument(readFileSync(inventory, 'utf8'));
  const servers = document.get('real_servers') as YAMLSeq<YAMLMap>;
  servers.items.find((item) => item.get('name') === server)!.set('weight', weight);
  const file = join(dirname(inventory), `.weighted-${basename(inventory)}`);
  writeFileSync(file, document.toString());
  written.push(file);
  return file;
}

const written: string[] = [];
after(() => written.forEach((file) => rmSync(file, { force: true })));

function stepOrder(run: CliRun): string[] {
  return run.events
    .filter((event) => event.type === 'step' && event.status === 'changed')
    .map((event) => `${String(event.host)}:${String(event.step)}`);
}

async function versions(host: (typeof DIRECTORS)[number]): Promise<string> {
  return labExecOk(
    host,
    "/usr/local/keepalived/sbin/keepalived -v 2>&1 | grep -o -m1 'Keepalived v[0-9.]*'; grep -a -o -m1 'ipvsadm v[0-9.]*' /sbin/ipvsadm; pidof keepalived >/dev/null && echo running",
  );
}

describe("upgrade in place: the how-to's versions to the current ones, and back", function () {
  let baseline: Snapshot;

  after(() => {
    for (const text of captured) expect(text).not.to.include(LAB_AUTH_PASS);
  });

  it("converges the how-to's cluster (keepalived 1.2.0, ipvsadm 1.26) from hosts lbprov has emptied", async function () {
    this.timeout(1_200_000);
    baseline = await snapshot();
    for (const [host, file] of Object.entries(OPERATORS_OWN))
      await labExecOk(host, `mkdir -p "$(dirname ${file.path})" && cat > ${file.path}`, {
        input: file.content,
      });
    await ensureConverged();
    for (const host of DIRECTORS)
      expect(await versions(host)).to.equal('Keepalived v1.2.0\nipvsadm v1.26\nrunning\n');
  });

  it('upgrades to 2.2.7 / 1.31: the BACKUP first, then the MASTER with the BACKUP standing in; the VIP never on neither, on both only for the moment of a handover, and back on the MASTER', async function () {
    this.timeout(1_200_000);
    const { run, history } = await applySampled(LAB_CURRENT_INVENTORY);
    console.log(`      upgrade 1.2.0 -> 2.2.7: ${summarise(history)}`);
    expect(run.code, run.stdout.slice(-3000)).to.equal(0);
    const order = stepOrder(run);
    const backupRestart = order.indexOf('lb2:restart-keepalived');
    const masterBuild = order.indexOf('lb1:build-keepalived');
    expect(backupRestart, order.join('\n')).to.be.greaterThan(-1);
    expect(masterBuild, order.join('\n')).to.be.greaterThan(backupRestart);
    // A restart has read the new configuration: no reload after it.
    expect(order.filter((step) => step.endsWith(':reload-keepalived'))).to.deep.equal([]);
    expectStoodIn(run);
    expect(history.longestOverlapMs).to.be.below(ADVERT_INT_MS);
    expect(history.onNeither, summarise(history)).to.equal(0);
    for (const host of DIRECTORS)
      expect(await versions(host)).to.equal('Keepalived v2.2.7\nipvsadm v1.31\nrunning\n');
    expect(await labExecOk('lb1', 'grep -c "^ *retry 3$" /etc/keepalived/keepalived.conf')).to.equal('2\n');
    expect(await labExecOk('lb1', `ip -o -4 addr show dev eth0`)).to.include(` ${VIP}/`);
  });

  it('a second apply of the current versions changes nothing', async function () {
    this.timeout(600_000);
    const again = await lbprov(['apply', LAB_CURRENT_INVENTORY, '--json']);
    captured.push(again.stdout, again.stderr);
    expect(again.code).to.equal(0);
    expect(again.summary?.changed).to.equal(0);
  });

  it('a configuration change (a real server weight) is tested with keepalived -t and applied by reload: the VIP never leaves the MASTER', async function () {
    this.timeout(600_000);
    const log = `${weighted(LAB_CURRENT_INVENTORY, 'rs2', 2)}.log`;
    written.push(log);
    const { run, history } = await applySampled(weighted(LAB_CURRENT_INVENTORY, 'rs2', 2), log);
    const tested = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"type":"command"') && line.includes('keepalived -t -f'))
      .map((line) => (JSON.parse(line) as { host: string }).host);
    expect([...new Set(tested)].sort(), 'keepalived -t on the staged file').to.deep.equal(['lb1', 'lb2']);
    console.log(`      keepalived.conf changed, reloaded: ${summarise(history)}`);
    expect(run.code, run.stdout.slice(-3000)).to.equal(0);
    const order = stepOrder(run);
    expect(order).to.include.members([
      'lb1:keepalived-conf',
      'lb2:keepalived-conf',
      'lb1:reload-keepalived',
      'lb2:reload-keepalived',
    ]);
    expect(order.filter((step) => step.endsWith(':restart-keepalived'))).to.deep.equal([]);
    expect(standInNotes(run.events).notes).to.deep.equal([]);
    expect(history.onNeither, summarise(history)).to.equal(0);
    expect(history.onBoth, summarise(history)).to.equal(0);
    expect(await labExecOk('lb1', `ip -o -4 addr show dev eth0`)).to.include(` ${VIP}/`);
    expect(await labExecOk('lb1', 'grep -c "weight 2" /etc/keepalived/keepalived.conf')).to.equal('1\n');
    const back = await lbprov(['apply', LAB_CURRENT_INVENTORY, '--json']);
    captured.push(back.stdout, back.stderr);
    expect(back.code, back.stdout.slice(-3000)).to.equal(0);
  });

  it("downgrades back to the how-to's versions the same way: the BACKUP standing in, the VIP never on neither", async function () {
    this.timeout(1_200_000);
    const { run, history } = await applySampled(LAB_INVENTORY);
    console.log(`      downgrade 2.2.7 -> 1.2.0: ${summarise(history)}`);
    expect(run.code, run.stdout.slice(-3000)).to.equal(0);
    const order = stepOrder(run);
    expect(order.indexOf('lb1:build-keepalived')).to.be.greaterThan(order.indexOf('lb2:restart-keepalived'));
    expectStoodIn(run);
    expect(history.longestOverlapMs).to.be.below(ADVERT_INT_MS);
    expect(history.onNeither, summarise(history)).to.equal(0);
    for (const host of DIRECTORS)
      expect(await versions(host)).to.equal('Keepalived v1.2.0\nipvsadm v1.26\nrunning\n');
  });

  it("destroy then leaves every host as it was before the first apply, packages and the operator's own files included", async function () {
    this.timeout(1_200_000);
    const result = await lbprov(['destroy', LAB_INVENTORY, '--yes', '--remove-packages', '--json']);
    captured.push(result.stdout, result.stderr);
    expect(result.code, result.stdout.slice(-3000)).to.equal(0);
    // The builds overwrote them; destroy put back the copies kept before the first build.
    expect(await labExecOk('lb1', 'find /usr/local/keepalived | sort')).to.equal(
      '/usr/local/keepalived\n/usr/local/keepalived/etc\n/usr/local/keepalived/etc/operator-note\n',
    );
    for (const [host, file] of Object.entries(OPERATORS_OWN)) {
      expect(await labExecOk(host, `cat ${file.path}`), host).to.equal(file.content);
    }
    await labExecOk('lb1', 'rm -r /usr/local/keepalived');
    await labExecOk('lb2', `rm ${OPERATORS_OWN.lb2.path}`);
    for (const host of HOSTS) expect(await labExecOk(host, LEFTOVERS), host).to.equal('');
    expect(differences(baseline, await snapshot())).to.deep.equal([]);
  });
});
