// lbprov verify, status and drill on the converged namespace lab: each passes where the cluster is
// right, and names the host and check after a fault is injected by hand. This kernel has no IPVS,
// so every IPVS check and the end-to-end ping through the VIP must come out not provable.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { LAB_HOSTS, LAB_INVENTORY, labExec, labExecOk, VIP } from './support/lab.js';
import { ensureConverged, LAB_AUTH_PASS, LBPROV, lbprov, type CliRun } from './support/cluster.js';

interface CheckEvent {
  type: 'check';
  check: string;
  host: string;
  verdict: 'pass' | 'fail' | 'not_provable';
  detail: string;
  hint?: string;
  evidence: { host: string; command: string; output: string }[];
}

interface DrillResultEvent {
  type: 'result';
  measurements: {
    what: string;
    measured_ms: number | null;
    expected_ms: number;
    tolerance_ms: number;
    timeliness: string;
  }[];
  not_provable: string[];
  problems: string[];
  restored: boolean;
  interrupted: boolean;
  exit_code: number;
}

const captured: string[] = [];
function keep<T extends CliRun>(run: T): T {
  captured.push(run.stdout, run.stderr);
  return run;
}

async function verify(): Promise<CliRun & { checks: CheckEvent[] }> {
  const result = keep(await lbprov(['verify', LAB_INVENTORY, '--json']));
  return { ...result, checks: result.events.filter((e) => e.type === 'check') as unknown as CheckEvent[] };
}

function named(checks: CheckEvent[], verdict: CheckEvent['verdict']): string[] {
  return checks.filter((check) => check.verdict === verdict).map((check) => `${check.host}: ${check.check}`);
}

async function vipHolders(): Promise<string[]> {
  const held = await Promise.all(
    (['lb1', 'lb2'] as const).map(async (host) =>
      (await labExecOk(host, 'ip -o -4 addr show')).includes(` ${VIP}/`) ? [host] : [],
    ),
  );
  return held.flat();
}

function drillResult(run: CliRun): DrillResultEvent {
  const last = run.events.at(-1);
  expect(last?.type, `${run.stdout}\n${run.stderr}`).to.equal('result');
  return last as unknown as DrillResultEvent;
}

describe('lbprov verify, status and drill on the lab', function () {
  before(async () => {
    await ensureConverged();
  });
  after(async () => {
    await ensureConverged();
    for (const text of captured) expect(text).not.to.include(LAB_AUTH_PASS);
  });

  describe('verify', () => {
    it('passes on the converged lab, with the IPVS checks and the ping through the VIP not provable', async () => {
      const run = await verify();
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(named(run.checks, 'fail')).to.deep.equal([]);
      expect(named(run.checks, 'not_provable')).to.have.members([
        'lb1: ipvs-service',
        'lb1: ipvs-real-server',
        'lb1: ipvs-real-server',
        'lb2: ipvs-service',
        'lb2: ipvs-real-server',
        'lb2: ipvs-real-server',
        `${LAB_HOSTS.client}: redis-ping-via-vip`,
      ]);
      for (const check of run.checks.filter((c) => c.verdict === 'not_provable')) {
        expect(check.detail).to.include('this kernel has no IPVS');
      }
      const viaVip = run.checks.find((check) => check.check === 'redis-ping-via-vip');
      expect(viaVip?.detail).to.include('VRRP-only mode the VIP sits on lb1, which does not forward');
      expect(named(run.checks, 'pass')).to.include.members([
        'lb1: vip-on-one-director',
        'lb1: keepalived-running',
        'lb2: keepalived-running',
        // keepalived and ipvsadm, compiled on lb2 and shipped to lb1 (one check each, per director).
        'lb1: build-checksum',
        'lb1: build-checksum',
        'lb2: build-checksum',
        'lb2: build-checksum',
        'rs1: vip-on-lo',
        'rs1: arp-ignore',
        'rs1: arp-announce',
        'rs1: rp-filter',
        'rs1: redis-listening',
        'rs1: redis-ping',
        'rs2: redis-ping',
      ]);
      const ping = run.checks.find((check) => check.host === 'rs1' && check.check === 'redis-ping');
      expect(ping?.evidence[0]).to.include({ host: LAB_HOSTS.client, output: 'PONG' });
      expect(run.summary).to.include({ failed: 0, not_provable: 7, exit_code: 0 });

      const human = keep(await lbprov(['verify', LAB_INVENTORY]));
      expect(human.code).to.equal(0);
      expect(human.stdout).to.match(
        new RegExp(`^NOT PROVABLE +lb1: IPVS service TCP ${VIP.replaceAll('.', '\\.')}:6379$`, 'm'),
      );
      expect(human.stdout).to.include('!! 7 check(s) NOT PROVABLE');
      expect(human.stdout).to.include('$ ip -o -4 addr show');
    });

    it('fails, naming lb2, when the VIP is added by hand on the BACKUP', async () => {
      await labExecOk('lb2', `ip addr add ${VIP}/24 dev eth0`);
      try {
        const run = await verify();
        expect(run.code).to.equal(6);
        expect(named(run.checks, 'fail')).to.deep.equal(['lb1, lb2: vip-on-one-director']);
        const check = run.checks.find((c) => c.verdict === 'fail');
        expect(check?.detail).to.include('lb2 (BACKUP, eth0)');
        expect(JSON.stringify(check)).to.include(`on lb2: \`ip addr del ${VIP}/24 dev eth0\``);
      } finally {
        await labExecOk('lb2', `ip addr del ${VIP}/24 dev eth0`);
      }
    });

    it('fails, naming the director and the program, when a binary lbprov built is replaced', async () => {
      await labExecOk('lb2', 'cp -p /sbin/ipvsadm /sbin/ipvsadm.lbprov-test && printf x >> /sbin/ipvsadm');
      try {
        const run = await verify();
        expect(run.code).to.equal(6);
        expect(named(run.checks, 'fail')).to.deep.equal(['lb2: build-checksum']);
        const check = run.checks.find((c) => c.verdict === 'fail');
        expect(check?.detail).to.match(/^\/sbin\/ipvsadm was replaced since lbprov installed it/);
        expect(check?.hint).to.include('remove /sbin/ipvsadm and apply');
      } finally {
        await labExecOk('lb2', 'mv -f /sbin/ipvsadm.lbprov-test /sbin/ipvsadm');
      }
    });

    it('fails, naming the real server and the check, when arp_ignore is reset', async () => {
      await labExecOk('rs1', 'echo 0 > /proc/sys/net/ipv4/conf/all/arp_ignore');
      try {
        const run = await verify();
        expect(run.code).to.equal(6);
        expect(named(run.checks, 'fail')).to.deep.equal(['rs1: arp-ignore']);
        const human = keep(await lbprov(['verify', LAB_INVENTORY]));
        expect(human.stdout).to.match(/^FAIL +rs1: arp_ignore=1$/m);
        expect(human.stdout).to.include('arp_ignore in effect on eth0 is 0');
      } finally {
        await labExecOk('rs1', 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore');
      }
    });

    it('fails, naming the real server and the checks, when Redis is stopped', async () => {
      await labExecOk('rs2', 'service redis-server stop');
      try {
        const run = await verify();
        expect(run.code).to.equal(6);
        expect(named(run.checks, 'fail')).to.deep.equal(['rs2: redis-listening', 'rs2: redis-ping']);
        const listening = run.checks.find((c) => c.host === 'rs2' && c.check === 'redis-listening');
        expect(listening?.detail).to.include('redis-server is not running');
      } finally {
        await labExecOk('rs2', 'service redis-server start');
      }
    });
  });

  describe('status', () => {
    it('exits 0 on the converged lab and shows the live state', async () => {
      const run = keep(await lbprov(['status', LAB_INVENTORY, '--json']));
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const live = run.events.filter((event) => event.type === 'live');
      expect(live.map((event) => [event.host, event.holds_vip])).to.deep.equal([
        ['lb1', true],
        ['lb2', false],
      ]);
      expect(live.every((event) => (event.keepalived as { running: boolean }).running)).to.equal(true);
      expect(run.summary).to.include({ exit_code: 0 });

      const human = keep(await lbprov(['status', LAB_INVENTORY]));
      expect(human.code).to.equal(0);
      expect(human.stdout).to.include('lb2: converged').and.include(`VIP ${VIP}: on lb1 (MASTER)`);
      // The picture of the cluster: without IPVS the real servers behind each director are not provable.
      expect(human.stdout).to.match(/^ {2}\|- lb1 +MASTER .*; holds the VIP$/m);
      expect(human.stdout).to.match(/^ {2}`- lb2 +BACKUP .*; does not hold the VIP$/m);
      expect(human.stdout).to.include('real servers: not provable here (this kernel has no IPVS)');
    });

    it('exits 6 after keepalived.conf is edited on lb2, naming the drift', async () => {
      await labExecOk('lb2', "echo '# edited by hand' >> /etc/keepalived/keepalived.conf");
      try {
        const run = keep(await lbprov(['status', LAB_INVENTORY, '--json']));
        expect(run.code).to.equal(6);
        const drift = (run.summary as unknown as { drift: { host: string; step: string; status: string }[] })
          .drift;
        expect(drift.map((item) => `${item.host}:${item.step}:${item.status}`)).to.include(
          'lb2:keepalived-conf:would_change',
        );
        expect(drift.every((item) => item.host === 'lb2')).to.equal(true);
        const diff = run.events.find((event) => event.type === 'step' && event.step === 'keepalived-conf');
        expect(String(diff?.diff)).to.include('-# edited by hand');

        const human = keep(await lbprov(['status', LAB_INVENTORY]));
        expect(human.code).to.equal(6);
        expect(human.stdout).to.match(/lb2: DRIFTED: keepalived\.conf for BACKUP/);
        expect(human.stdout).to.include('lb1: converged');
      } finally {
        await ensureConverged();
      }
      expect((await lbprov(['status', LAB_INVENTORY, '--json'])).code).to.equal(0);
    });
  });

  describe('drill', () => {
    it('failover: times the takeover and the preemption, and the VIP ends where it began', async () => {
      expect(await vipHolders()).to.deep.equal(['lb1']);
      const run = keep(await lbprov(['drill', 'failover', LAB_INVENTORY, '--json'], { timeoutMs: 180_000 }));
      const result = drillResult(run);
      for (const m of result.measurements) {
        console.log(
          `      ${m.what}: ${m.measured_ms} ms (expected at most ${m.expected_ms} ms, ${m.timeliness})`,
        );
      }
      expect(result.problems).to.deep.equal([]);
      expect(result.restored).to.equal(true);
      // Without IPVS no connection goes through the VIP to a real server: none is held, and it says so.
      expect(result.not_provable).to.deep.equal([
        'a Redis connection held through the VIP across the failover: not provable: this kernel has no IPVS',
      ]);
      expect(result).to.not.have.property('held_connection');
      expect(result.measurements).to.have.length(4);
      for (const m of result.measurements) {
        expect(m.measured_ms, m.what).to.be.a('number').within(0, 30_000);
      }
      // 6 only when a time exceeded keepalived's bound: reported, not a lab failure.
      expect(run.code === 0 || result.measurements.some((m) => m.timeliness !== 'as expected')).to.equal(
        true,
      );
      expect(await vipHolders()).to.deep.equal(['lb1']);
      expect((await labExec('lb1', 'pidof keepalived')).code).to.equal(0);
    });

    it('failover: Ctrl-C while the MASTER is stopped restores it before exiting', async () => {
      const child = spawn('env', [
        `LBPROV_AUTH_PASS=${LAB_AUTH_PASS}`,
        LBPROV,
        'drill',
        'failover',
        LAB_INVENTORY,
        '--json',
      ]);
      let stdout = '';
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      child.stdout.on('data', (chunk: Buffer) => {
        const before = stdout;
        stdout += chunk.toString();
        if (!before.includes('"action":"stop keepalived"') && stdout.includes('"action":"stop keepalived"')) {
          child.kill('SIGINT');
        }
      });
      child.stderr.on('data', (chunk: Buffer) => captured.push(chunk.toString()));
      const code = await exited;
      captured.push(stdout);
      expect(code, stdout).to.equal(130);
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as DrillResultEvent;
      expect(result).to.include({ interrupted: true, restored: true });
      expect(await vipHolders()).to.deep.equal(['lb1']);
      expect((await labExec('lb1', 'pidof keepalived')).code).to.equal(0);
    });

    it('realserver: the IPVS part is not provable; Redis is stopped and restored', async () => {
      const run = keep(
        await lbprov(['drill', 'realserver', LAB_INVENTORY, 'rs1', '--json'], { timeoutMs: 120_000 }),
      );
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const result = drillResult(run);
      expect(result.not_provable).to.deep.equal([
        "rs1 leaving lb1's IPVS table: not provable: this kernel has no IPVS",
        "rs1 leaving lb2's IPVS table: not provable: this kernel has no IPVS",
      ]);
      expect(result).to.include({ restored: true, interrupted: false });
      const actions = run.events.filter((event) => event.type === 'action').map((event) => event.action);
      expect(actions).to.deep.equal(['stop Redis', 'start Redis']);
      expect(
        run.events.some((event) => event.type === 'observed' && event.what === 'Redis no longer listens'),
      ).to.equal(true);
      expect((await labExecOk('client', `redis-cli -h ${LAB_HOSTS.rs1} ping`)).trim()).to.equal('PONG');
    });

    it('realserver: refuses a host that is not a real server, changing nothing', async () => {
      const run = keep(await lbprov(['drill', 'realserver', LAB_INVENTORY, 'lb1']));
      expect(run.code).to.equal(1);
      expect(run.stderr).to.include('lb1 is not a real server of the inventory (real servers: rs1, rs2)');
    });
  });
});
