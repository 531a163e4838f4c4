// `lbprov destroy` on the namespace lab: every host back to what lbprov found, byte for byte,
// after a full apply and after an apply that failed half-way. Runs last: it leaves the cluster
// destroyed.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { LAB_INVENTORY, LAB_RUN_DIR, labExecOk } from './support/lab.js';
import { ensureConverged, LAB_AUTH_PASS, lbprov, type CliRun } from './support/cluster.js';
import { differences, HOSTS, LEFTOVERS, snapshot, type Snapshot } from './support/snapshot.js';
import { tempDir } from '../support/temp-dir.js';

const captured: string[] = [];
async function cli(args: string[]): Promise<CliRun> {
  const result = await lbprov(args);
  captured.push(result.stdout, result.stderr);
  return result;
}

type StepEvent = { host: string; step: string; status: string; name: string; reason?: string };
function steps(run: CliRun, host?: string): StepEvent[] {
  return run.events.filter(
    (event) => event.type === 'step' && (host === undefined || event.host === host),
  ) as unknown as StepEvent[];
}
function warnings(run: CliRun): string[] {
  return run.events
    .filter((event) => event.type === 'warning')
    .map((event) => `${String(event.host)}: ${String(event.message)}`);
}
function nothingHere(run: CliRun, host: string): boolean {
  const events = steps(run, host);
  return (
    events.length === 1 &&
    events[0]!.status === 'ok' &&
    (events[0]!.reason ?? '').includes('nothing lbprov made here')
  );
}

async function destroy(inventory = LAB_INVENTORY): Promise<CliRun> {
  const result = await cli(['destroy', inventory, '--yes', '--json']);
  expect(result.code, `${result.stdout.slice(-4000)}\n${result.stderr}`).to.equal(0);
  return result;
}

/** The lab inventory with a wrong sha256 for keepalived: apply then fails at the fetch, after earlier steps changed things. */
function inventoryWithWrongSha(): string {
  const text = readFileSync(LAB_INVENTORY, 'utf8');
  const wrong = text
    .replace(/(keepalived:[\s\S]*?sha256: ")[0-9a-f]{64}(")/, `$1${'0'.repeat(64)}$2`)
    // The copy lives elsewhere: its relative paths must still reach the lab's key and host keys.
    .replaceAll('../lab/.run/', `${LAB_RUN_DIR}/`);
  expect(wrong).to.include('0'.repeat(64));
  const path = join(tempDir('lbprov-destroy-'), 'lab-wrong-sha.yaml');
  writeFileSync(path, wrong);
  return path;
}

describe('lbprov destroy on the namespace lab', function () {
  let baseline: Snapshot;

  after(() => {
    for (const text of captured) expect(text).not.to.include(LAB_AUTH_PASS);
  });

  it('undoes a converged cluster, MASTER first; a second destroy finds nothing to do', async function () {
    this.timeout(1_200_000);
    await ensureConverged();
    const started = Date.now();
    const first = await destroy();
    console.log(`      (destroy of the converged cluster: ${Date.now() - started} ms)`);
    const ends = first.events.filter((event) => event.type === 'host_end').map((event) => String(event.host));
    expect(ends.slice(0, 2)).to.deep.equal(['lb1', 'lb2']);
    expect(steps(first, 'lb1').map((event) => event.step)).to.include.members([
      'service:keepalived:running',
      'tree:/usr/local/keepalived',
      'forget-record',
    ]);
    // The baseline is taken here, after a first apply+destroy cycle, and not on the fresh lab:
    // apply installs keepalived's build dependencies through the apt proxy, and destroy keeps them
    // (they are removed only when the inventory or --remove-packages asks, which the last test covers).
    baseline = await snapshot();
    for (const host of HOSTS) expect(await labExecOk(host, LEFTOVERS), host).to.equal('');
    const second = await destroy();
    expect(second.summary?.changed).to.equal(0);
    for (const host of HOSTS) expect(nothingHere(second, host), host).to.equal(true);
    expect(differences(baseline, await snapshot())).to.deep.equal([]);
  });

  it('destroy --dry-run lists the undo steps per host and changes nothing; without --yes or a terminal it refuses', async function () {
    this.timeout(1_200_000);
    await ensureConverged();
    const before = await snapshot();

    const plan = await cli(['destroy', LAB_INVENTORY, '--dry-run', '--json']);
    expect(plan.code, plan.stdout.slice(-3000)).to.equal(0);
    const lb1 = steps(plan, 'lb1');
    expect(lb1[0]).to.include({ step: 'service:keepalived:enabled', status: 'would_change' });
    expect(lb1.map((event) => event.step)).to.include.members([
      'service:keepalived:running',
      'file:/etc/keepalived/keepalived.conf',
      'tree:/usr/local/keepalived',
      'forget-record',
    ]);
    expect(steps(plan, 'rs1').map((event) => event.step)).to.include.members([
      'service:lbprov-realserver:running',
      'sysctl:net.ipv4.conf.all.arp_ignore',
      'file:/etc/sysctl.d/90-lbprov-lvs-dr.conf',
    ]);
    expect(steps(plan).every((event) => ['would_change', 'skipped'].includes(event.status))).to.equal(true);

    const refused = await cli(['destroy', LAB_INVENTORY]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('--yes');

    expect(differences(before, await snapshot())).to.deep.equal([]);
  });

  it('restores every host exactly; a file edited by hand after apply is kept as a copy and reported', async function () {
    this.timeout(1_200_000);
    const edits = {
      rs1: '/etc/sysctl.d/90-lbprov-lvs-dr.conf',
      lb2: '/etc/sysctl.conf',
    } as const;
    for (const [host, path] of Object.entries(edits))
      await labExecOk(host, `echo '# edited by hand' >> ${path}`);

    const started = Date.now();
    const result = await destroy();
    console.log(`      (destroy after a full apply: ${Date.now() - started} ms)`);
    for (const [host, path] of Object.entries(edits)) {
      const warning = warnings(result).find((text) =>
        text.startsWith(`${host}: ${path} changed since lbprov wrote it`),
      );
      expect(warning, JSON.stringify(warnings(result))).to.be.a('string');
      const copy = /kept that version at (\S+) /.exec(warning!)?.[1] ?? '';
      expect(copy.startsWith(`${path}.lbprov-modified-`)).to.equal(true);
      expect(await labExecOk(host, `tail -n 1 ${copy} && rm ${copy}`)).to.equal('# edited by hand\n');
    }
    expect(differences(baseline, await snapshot())).to.deep.equal([]);
  });

  it('after an apply that failed half-way, undoes what it did and nothing else (packages too, when asked)', async function () {
    this.timeout(1_200_000);
    // One build dependency missing on lb2, so that this apply installs it and records that it did.
    // What it depends on (libpopt0) stays installed: destroy must not take it, as it was there first.
    await labExecOk('lb2', 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q libpopt-dev >/dev/null');
    const before = await snapshot();

    const wrongSha = inventoryWithWrongSha();
    const half = await cli(['apply', wrongSha, '--json']);
    expect(half.code).to.equal(2);
    expect(steps(half, 'lb2').find((event) => event.status === 'failed')?.step).to.equal('fetch-keepalived');
    expect(steps(half, 'lb1')).to.deep.equal([]);

    // The inventory asks for the packages lbprov installed to go (as --remove-packages would).
    const removingPackages = wrongSha.replace(/\.yaml$/, '-remove-packages.yaml');
    writeFileSync(removingPackages, `${readFileSync(wrongSha, 'utf8')}\ndestroy:\n  remove_packages: true\n`);
    const result = await destroy(removingPackages);
    expect(nothingHere(result, 'lb1')).to.equal(true);
    expect(steps(result, 'lb2').map((event) => `${event.step} ${event.status}`)).to.deep.equal([
      'file:/usr/local/src/lbprov/keepalived-1.2.0.tar.gz ok',
      'command:mkdir -p /usr/local/src/lbprov changed',
      'packages:libpopt-dev changed',
      'forget-record changed',
    ]);
    expect(differences(before, await snapshot())).to.deep.equal([]);
  });
});
