// The documented procedure, end to end, on the namespace lab: fresh hosts -> dry-run -> apply ->
// converged re-apply -> the cluster works as the how-to meant (VIP, ARP, Redis, failover).
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';

import { join } from 'node:path';
import {
  LAB_HOSTS,
  LAB_IDENTITY_FILE,
  LAB_INVENTORY,
  LAB_KNOWN_HOSTS,
  labExec,
  labExecOk,
  REPO_ROOT,
  VIP,
} from './support/lab.js';
import { masterDownMs } from '../../src/verify/timing.js';
import { LAB_AUTH_PASS, LBPROV, lbprov, type CliRun } from './support/cluster.js';
import { TerminalRun } from '../support/terminal-screen.js';
import { directorsHoldingVip } from './support/vip-namespaces.js';
import { tempDir } from '../support/temp-dir.js';

const PROCEDURE_HOSTS = ['lb1', 'lb2', 'rs1', 'rs2'] as const;
const SNAPSHOT =
  'find /etc /usr/local /usr/sbin /sbin /var/lib/lbprov -xdev -type f 2>/dev/null | grep -v "^/etc/ld.so.cache$" | sort | xargs -d "\\n" sha256sum 2>/dev/null | sha256sum; ip -o addr; cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/arp_ignore; pidof keepalived redis-server || true';

const captured: string[] = [];
function keep(run: CliRun): CliRun {
  captured.push(run.stdout, run.stderr);
  return run;
}

async function snapshots(): Promise<string[]> {
  return Promise.all(PROCEDURE_HOSTS.map((host) => labExecOk(host, SNAPSHOT)));
}

/** Polls until `holders` is what the VRRP pair should show; returns the milliseconds it took. */
async function waitForVip(expected: string[], timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const holders = await directorsHoldingVip(VIP);
    if (JSON.stringify(holders) === JSON.stringify(expected)) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`VIP holders ${JSON.stringify(holders)}, expected ${JSON.stringify(expected)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function stepStatuses(run: CliRun): Map<string, string> {
  const statuses = new Map<string, string>();
  for (const event of run.events)
    if (event.type === 'step')
      statuses.set(`${String(event.host)}:${String(event.step)}`, String(event.status));
  return statuses;
}

interface HostRecordBuilds {
  builds?: Record<string, { subject: string; sha256: string; built_on: string }>;
}

function buildSteps(run: CliRun): Map<string, { description: string; duration: number }> {
  const steps = new Map<string, { description: string; duration: number }>();
  for (const event of run.events) {
    if (event.type === 'step' && String(event.step).startsWith('build-') && event.status === 'changed') {
      steps.set(`${String(event.host)}:${String(event.step)}`, {
        description: String(event.description),
        duration: Number(event.duration_ms),
      });
    }
  }
  return steps;
}

/**
 * Compile once: lb2 (BACKUP, first of the directors) compiles keepalived and ipvsadm, lb1 installs
 * the same build (same platform), and both records hold the same checksum. Prints the cold apply's
 * time against one director's build, the figure the issue asks for.
 */
async function compiledOnceOnLb2(applied: CliRun): Promise<void> {
  const steps = buildSteps(applied);
  for (const step of ['build-keepalived', 'build-ipvsadm']) {
    expect(steps.get(`lb2:${step}`)?.description, step).not.to.include('compiled on');
    expect(steps.get(`lb1:${step}`)?.description, step).to.include('installed the build compiled on lb2');
  }
  const [lb1, lb2] = await Promise.all(
    ['lb1', 'lb2'].map(
      async (host) => JSON.parse(await labExecOk(host, 'cat /var/lib/lbprov/state.json')) as HostRecordBuilds,
    ),
  );
  expect(Object.keys(lb1?.builds ?? {})).to.have.members([
    '/usr/local/keepalived/sbin/keepalived',
    '/sbin/ipvsadm',
  ]);
  for (const [binary, build] of Object.entries(lb1?.builds ?? {})) {
    expect(build.built_on, binary).to.equal('lb2');
    expect(build.sha256, binary).to.equal(lb2?.builds?.[binary]?.sha256);
    expect((await labExecOk('lb1', `sha256sum ${binary} | cut -d' ' -f1`)).trim(), binary).to.equal(
      build.sha256,
    );
  }
  const oneBuild = ['build-keepalived', 'build-ipvsadm'].reduce(
    (sum, step) => sum + (steps.get(`lb2:${step}`)?.duration ?? 0),
    0,
  );
  const shipped = ['build-keepalived', 'build-ipvsadm'].reduce(
    (sum, step) => sum + (steps.get(`lb1:${step}`)?.duration ?? 0),
    0,
  );
  const total = Number(applied.summary?.duration_ms ?? 0);
  console.log(
    `      compile once: one build (lb2) ${(oneBuild / 1000).toFixed(1)} s, installing it on lb1 ${(shipped / 1000).toFixed(1)} s, ` +
      `the whole cold apply ${(total / 1000).toFixed(1)} s (${(total / oneBuild).toFixed(2)}x one build)`,
  );
}

describe('the documented procedure on the namespace lab', function () {
  after(() => {
    for (const text of captured) expect(text).not.to.include(LAB_AUTH_PASS);
  });

  it('--dry-run on a fresh lab lists every step as a change and changes nothing', async function () {
    const fresh = await Promise.all(
      PROCEDURE_HOSTS.map((host) => labExec(host, 'test ! -e /var/lib/lbprov')),
    );
    if (fresh.some((result) => result.code !== 0)) this.skip(); // only provable on hosts lbprov never touched
    const before = await snapshots();
    const plan = keep(await lbprov(['apply', LAB_INVENTORY, '--dry-run', '--json']));
    expect(plan.code, plan.stderr).to.equal(0);
    const statuses = stepStatuses(plan);
    // The lab's hosts run no firewall: nothing for the VRRP rule to open. Nothing lbprov would take
    // away is there yet: no Redis check password (the lab inventory's check is tcp), no read-port rule.
    const alreadyTrue = new Set([
      'ipvs-kernel',
      'redis-port',
      'vrrp-firewall',
      'redis-check-no-password',
      'redis-no-read-port',
    ]);
    for (const [key, status] of statuses) {
      const step = key.split(':')[1] ?? '';
      if (alreadyTrue.has(step)) expect(status, key).to.equal('ok');
      else expect(['would_change', 'may_change', 'skipped'], key).to.include(status);
    }
    expect([...statuses.values()].filter((status) => status === 'would_change').length).to.be.greaterThan(20);
    expect(await snapshots()).to.deep.equal(before);
  });

  it("apply converges every host (building the how-to's keepalived 1.2.0 and ipvsadm 1.26 from source), and says VRRP-only", async () => {
    const applied = keep(await lbprov(['apply', LAB_INVENTORY, '--json']));
    expect(applied.code, applied.stdout.slice(-3000)).to.equal(0);
    expect(applied.summary?.flags.join('\n')).to.include('VRRP-ONLY');
    for (const host of ['lb1', 'lb2']) {
      expect(await labExecOk(host, '/usr/local/keepalived/sbin/keepalived -v 2>&1')).to.match(
        /^Keepalived v1\.2\.0 /m,
      );
      // 1.2.0 does not list its build options; only a build with LVS compiles the TCP_CHECK checker in.
      expect(
        (await labExec(host, 'grep -q -a -F TCP_CHECK /usr/local/keepalived/sbin/keepalived')).code,
      ).to.equal(0);
      expect(await labExecOk(host, "grep -a -o -m1 'ipvsadm v[0-9.]*' /sbin/ipvsadm")).to.include(
        'ipvsadm v1.26',
      );
      // The build dependencies were not in the lab image: apt installed them through the lab's proxy.
      expect(await labExecOk(host, "dpkg-query -W -f='${db:Status-Status}' libpopt-dev")).to.equal(
        'installed',
      );
    }
    await compiledOnceOnLb2(applied);
  });

  it('a director of another platform compiles its own build instead of taking the shipped one', async () => {
    // lb1 claims another release: the build compiled on lb2 must not be installed there.
    await labExecOk(
      'lb1',
      'cp -p /etc/os-release /etc/os-release.lbprov-test && sed -i \'s/^VERSION_ID=.*/VERSION_ID="99"/\' /etc/os-release',
    );
    try {
      const destroyed = keep(
        await lbprov(['destroy', LAB_INVENTORY, '--limit', 'lb1,lb2', '--yes', '--json']),
      );
      expect(destroyed.code, destroyed.stdout.slice(-3000)).to.equal(0);
      const applied = keep(await lbprov(['apply', LAB_INVENTORY, '--json']));
      expect(applied.code, applied.stdout.slice(-3000)).to.equal(0);
      const builds = buildSteps(applied);
      expect(builds.get('lb1:build-keepalived')?.description ?? '').not.to.include('compiled on');
      expect(builds.get('lb1:build-ipvsadm')?.description ?? '').not.to.include('compiled on');
      const lb1 = JSON.parse(await labExecOk('lb1', 'cat /var/lib/lbprov/state.json')) as HostRecordBuilds;
      expect(Object.values(lb1.builds ?? {}).map((build) => build.built_on)).to.deep.equal(['lb1', 'lb1']);
    } finally {
      await labExecOk('lb1', 'mv -f /etc/os-release.lbprov-test /etc/os-release');
    }
  });

  it('a second apply changes nothing', async () => {
    const again = keep(await lbprov(['apply', LAB_INVENTORY, '--json']));
    expect(again.code).to.equal(0);
    expect(again.summary?.changed).to.equal(0);
    const plain = keep(await lbprov(['apply', LAB_INVENTORY]));
    expect(plain.stdout).to.include('Nothing to change: the cluster is converged');
  });

  it('on a terminal (80x24): one true final line per host, the verdict, and status draws the cluster', async function () {
    this.timeout(180_000);
    // A pseudo-terminal, as an operator's shell gives, read through a terminal emulator: what
    // stays on the screen and in its scrollback after the run, not the bytes written.
    const env = { LBPROV_AUTH_PASS: LAB_AUTH_PASS };
    const apply = new TerminalRun(
      `${LBPROV} apply ${LAB_INVENTORY}`,
      { rows: 24, columns: 80 },
      { cwd: REPO_ROOT, env },
    );
    expect(await apply.exitCode(120_000), apply.output.slice(-3000)).to.equal(0);
    const history = apply.history;
    captured.push(apply.output);
    for (const [host, role] of [
      ['lb1', 'director (MASTER)'],
      ['lb2', 'director (BACKUP)'],
      ['rs1', 'real server'],
      ['rs2', 'real server'],
    ]) {
      const outcome = history.filter((line) => line.includes(`${host}: ${role}`));
      expect(outcome, history.join('\n')).to.have.length(1);
      expect(outcome[0]).to.match(/^✔ .* \d+ ok, nothing to change$/);
    }
    expect(history.join('\n')).not.to.match(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏◼]|waiting|skipped/);
    expect(apply.screen.join('\n')).to.include('Nothing to change: the cluster is converged');

    const status = new TerminalRun(
      `${LBPROV} status ${LAB_INVENTORY}`,
      { rows: 24, columns: 80 },
      { cwd: REPO_ROOT, env },
    );
    expect(await status.exitCode(120_000), status.output.slice(-3000)).to.equal(0);
    captured.push(status.output);
    const picture = status.history.join('\n');
    expect(picture).to.include(`VIP ${VIP}: on lb1 (MASTER)`);
    expect(picture).to.match(/├─ lb1 +MASTER .*holds the VIP/);
    expect(picture).to.match(/└─ lb2 +BACKUP .*does not hold the VIP/);
    expect(picture).to.include('real servers: not provable here');
  });

  it('puts the VIP on the MASTER only, runs keepalived on both directors, and readies the real servers', async () => {
    await waitForVip(['lb1']);
    for (const host of ['lb1', 'lb2'])
      expect((await labExec(host, 'pidof keepalived')).code, host).to.equal(0);
    for (const host of ['rs1', 'rs2'] as const) {
      expect(await labExecOk(host, 'ip -o -4 addr show dev lo'))
        .to.include(`inet ${VIP}/32`)
        .and.include('lo:0');
      const arp = await labExecOk(
        host,
        'cat /proc/sys/net/ipv4/conf/all/arp_ignore /proc/sys/net/ipv4/conf/all/arp_announce /proc/sys/net/ipv4/conf/lo/arp_ignore /proc/sys/net/ipv4/conf/lo/arp_announce',
      );
      expect(arp.split('\n').filter(Boolean)).to.deep.equal(['1', '2', '1', '2']);
      expect((await labExecOk('client', `redis-cli -h ${LAB_HOSTS[host]} -p 6379 ping`)).trim()).to.equal(
        'PONG',
      );
    }
    expect(await labExecOk('lb1', 'cat /proc/sys/net/ipv4/ip_forward')).to.equal('1\n');
  });

  it('moves the VIP to the BACKUP when keepalived stops on the MASTER, and back when it returns', async () => {
    await waitForVip(['lb1']);
    await labExecOk('lb1', 'service keepalived stop');
    const takeover = await waitForVip(['lb2']);
    await labExecOk('lb1', 'service keepalived start');
    const preemption = await waitForVip(['lb1']);
    // keepalived stopped on the MASTER says goodbye (a priority-0 advert): the BACKUP takes over
    // after its skew, not after Master_Down_Interval. keepalived 1.2.0 as released closed its
    // sockets first and never said it (4.1 s measured); lbprov's build patches that.
    const withoutGoodbye = masterDownMs(1, 100);
    console.log(
      `      failover: BACKUP took the VIP ${takeover} ms after the MASTER stopped (${withoutGoodbye} ms without the goodbye advert); preemption ${preemption} ms after it started`,
    );
    expect(takeover).to.be.below(withoutGoodbye);
  });

  it('-v shows each command sent and its answer, --log keeps them and the events as JSON lines; no secret in either', async () => {
    const log = join(tempDir('lbprov-lab-log-'), 'run.jsonl');
    const verbose = keep(await lbprov(['apply', LAB_INVENTORY, '--dry-run', '-v', '--log', log]));
    expect(verbose.code).to.equal(0);
    expect(verbose.stderr)
      .to.match(/^\[lb1\] \$ /m)
      .and.match(/^ {2}exit 0 \(\d+ ms\)$/m);
    const text = await readFile(log, 'utf8');
    captured.push(text);
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; host?: string });
    const commandHosts = new Set(events.filter((e) => e.type === 'command').map((e) => e.host));
    expect([...commandHosts].sort()).to.deep.equal(['lb1', 'lb2', 'rs1', 'rs2']);
    expect(events.at(-1)?.type).to.equal('summary');
  });

  describe('with a Redis password (redis.password)', function () {
    const password = 'Lab-Redis-9q!x2#Zw';
    const env = { LBPROV_REDIS_PASSWORD: password };
    let inventory = '';
    const ping = (host: 'rs1' | 'rs2', auth: boolean) =>
      labExec(
        'client',
        `${auth ? 'IFS= read -r REDISCLI_AUTH; export REDISCLI_AUTH; ' : ''}redis-cli -h ${LAB_HOSTS[host]} -p 6379 ping`,
        auth ? { input: `${password}\n` } : {},
      );

    before(async () => {
      inventory = join(tempDir('lbprov-lab-redis-'), 'lab.yaml');
      const text = (await readFile(LAB_INVENTORY, 'utf8'))
        .replace('../lab/.run/id_ed25519', LAB_IDENTITY_FILE)
        .replace('../lab/.run/known_hosts', LAB_KNOWN_HOSTS)
        .replace('  install: false\n', '  install: false\n  password: { env: LBPROV_REDIS_PASSWORD }\n');
      expect(text).to.include('LBPROV_REDIS_PASSWORD');
      await writeFile(inventory, text);
    });
    after(() => {
      for (const text of captured) expect(text).not.to.include(password);
    });

    it('dry-run shows requirepass masked and changes nothing', async () => {
      const plan = keep(await lbprov(['apply', inventory, '--dry-run', '--json'], { env }));
      expect(plan.code).to.equal(0);
      const statuses = stepStatuses(plan);
      for (const host of ['rs1', 'rs2']) {
        expect(statuses.get(`${host}:redis-requirepass`)).to.equal('would_change');
        expect(statuses.get(`${host}:redis-requirepass-include`)).to.equal('would_change');
      }
      expect(plan.stdout).to.include('+requirepass ********');
      expect((await ping('rs1', false)).stdout.trim()).to.equal('PONG');
    });

    it('apply makes Redis ask for it and answer PONG to it; a re-apply changes nothing; verify says NOAUTH is in effect', async () => {
      expect(keep(await lbprov(['apply', inventory, '--json'], { env })).code).to.equal(0);
      for (const host of ['rs1', 'rs2'] as const) {
        expect((await ping(host, false)).stdout).to.include('NOAUTH');
        expect((await ping(host, true)).stdout.trim()).to.equal('PONG');
        expect(await labExecOk(host, 'stat -c "%a %U %G" /etc/redis/lbprov-requirepass.conf')).to.equal(
          '640 root redis\n',
        );
        expect(await labExecOk(host, 'tail -n 1 /etc/redis/redis.conf')).to.equal(
          'include /etc/redis/lbprov-requirepass.conf\n',
        );
      }
      expect(keep(await lbprov(['apply', inventory, '--json'], { env })).summary?.changed).to.equal(0);
      const verify = keep(await lbprov(['verify', inventory, '--json'], { env }));
      expect(verify.stdout).to.include('asks for the password (NOAUTH)');
    });

    it("dropping the password removes lbprov's requirepass (only its own line); Redis answers PONG again", async () => {
      const back = keep(await lbprov(['apply', LAB_INVENTORY, '--json']));
      expect(back.code).to.equal(0);
      expect(stepStatuses(back).get('rs1:redis-no-requirepass')).to.equal('changed');
      for (const host of ['rs1', 'rs2'] as const) {
        expect((await ping(host, false)).stdout.trim()).to.equal('PONG');
        expect(
          (await labExec(host, 'grep -q "^requirepass" /etc/redis/lbprov-requirepass.conf')).code,
        ).to.equal(1);
      }
      expect(keep(await lbprov(['apply', LAB_INVENTORY, '--json'])).summary?.changed).to.equal(0);
    });
  });
});
