// Proves the lab itself (lab/lab.sh): real, separate hosts reachable over strict SSH, with the
// artifacts and the apt proxy lbprov relies on. Needs a running lab: `npm run lab:up`, or run the
// whole suite with `bash test/lab/run.sh`.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  ARTIFACTS_URL,
  CONTROL_ADDRESS,
  LAB_HOST_NAMES,
  LAB_HOSTS,
  LAB_CURRENT_INVENTORY,
  LAB_INVENTORY,
  LAB_KNOWN_HOSTS,
  LAB_SCRIPT,
  labExec,
  labExecOk,
  labIsUp,
  run,
  type LabHost,
} from './support/lab.js';

/** The read-only lower layer of a host's overlay root, as a path on the control machine. */
async function lowerLayer(host: LabHost): Promise<string> {
  const mounts = await labExecOk(host, 'cat /proc/self/mounts');
  const root = mounts.split('\n').find((l) => l.split(' ')[1] === '/');
  const lower = /lowerdir=([^,\s]+)/.exec(root ?? '')?.[1];
  if (!lower) throw new Error(`${host}: no overlay root in /proc/self/mounts:\n${mounts}`);
  return lower;
}

describe('lab', function () {
  before(async function () {
    if (!(await labIsUp())) {
      throw new Error('the lab is not up: run `npm run lab:up` (or `bash test/lab/run.sh`)');
    }
  });

  describe('ssh', function () {
    it('reaches every host as root with strict host key checking, each host being itself', async function () {
      for (const host of LAB_HOST_NAMES) {
        const out = await labExecOk(host, 'hostname; id -u; ip -4 -o addr show dev eth0');
        const [name, uid, addr] = out.trim().split('\n');
        expect(name, host).to.equal(host);
        expect(uid, host).to.equal('0');
        expect(addr, host).to.contain(` ${LAB_HOSTS[host]}/24 `);
      }
    });

    it('uses one distinct host key per host, all in known_hosts keyed by address', async function () {
      const lines = (await readFile(LAB_KNOWN_HOSTS, 'utf8')).trim().split('\n');
      const byAddress = new Map(lines.map((l) => [l.split(' ')[0], l.split(' ').slice(1).join(' ')]));
      for (const host of LAB_HOST_NAMES) {
        const served = await labExecOk(host, 'cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub');
        expect(byAddress.get(LAB_HOSTS[host]), host).to.equal(served.trim());
      }
      expect(new Set(byAddress.values()).size).to.equal(LAB_HOST_NAMES.length);
    });

    it('refuses a host whose key does not match known_hosts, or is unknown', async function () {
      const dir = await mkdtemp(join(tmpdir(), 'lbprov-lab-test-'));
      try {
        const key = join(dir, 'other');
        const gen = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
        expect(gen.code).to.equal(0);
        const otherKey = (await readFile(`${key}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
        const wrong = join(dir, 'known_hosts_wrong');
        await writeFile(wrong, `${LAB_HOSTS.lb1} ${otherKey}\n`);
        const empty = join(dir, 'known_hosts_empty');
        await writeFile(empty, '');

        for (const file of [wrong, empty]) {
          const r = await labExec('lb1', 'echo reached', { sshOptions: [`UserKnownHostsFile=${file}`] });
          expect(r.code, file).to.equal(255);
          expect(r.stdout).not.to.contain('reached');
          expect(r.stderr).to.match(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('`lab.sh ssh` runs a command on a host and passes its exit code through', async function () {
      const r = await run('bash', [LAB_SCRIPT, 'ssh', 'rs1', 'hostname; exit 7']);
      expect(r.stdout.trim()).to.equal('rs1');
      expect(r.code).to.equal(7);
    });
  });

  describe('isolation', function () {
    it('a file written on one host is absent on the others', async function () {
      const path = `/root/lab-test-${randomBytes(6).toString('hex')}`;
      await labExecOk('client', `echo client > ${path}`);
      try {
        expect((await labExecOk('client', `cat ${path}`)).trim()).to.equal('client');
        for (const host of LAB_HOST_NAMES.filter((h) => h !== 'client')) {
          const r = await labExec(host, `test -e ${path}`);
          expect(r.code, `${path} on ${host}`).to.equal(1);
        }
        // Nor does it land on the control machine.
        expect((await run('test', ['-e', path])).code).to.equal(1);
      } finally {
        await labExecOk('client', `rm -f ${path}`);
      }
    });

    // Changed on `client` only: lbprov (maybe run by another test against the same lab) sets these
    // very keys on directors and real servers, and restoring them there could undo its work.
    it('ip_forward and arp_ignore set on one host leave the other hosts unchanged', async function () {
      const keys = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.arp_ignore', 'net.ipv4.conf.all.arp_announce'];
      const read = async (host: LabHost) => (await labExecOk(host, `sysctl -n ${keys.join(' ')}`)).trim();
      const before = new Map<LabHost, string>();
      for (const host of LAB_HOST_NAMES) before.set(host, await read(host));
      const original = before.get('client') ?? '';
      const [fwd, ignore, announce] = original.split('\n');
      // Values that differ from the current ones, so the change is visible whatever the start.
      const wanted = [fwd === '1' ? '0' : '1', ignore === '1' ? '2' : '1', announce === '2' ? '1' : '2'];
      try {
        await labExecOk('client', `sysctl -qw ${keys.map((k, i) => `${k}=${wanted[i]}`).join(' ')}`);
        expect(await read('client')).to.equal(wanted.join('\n'));
        for (const host of LAB_HOST_NAMES.filter((h) => h !== 'client')) {
          expect(await read(host), host).to.equal(before.get(host));
        }
      } finally {
        await labExecOk('client', `sysctl -qw ${keys[0]}=${fwd} ${keys[1]}=${ignore} ${keys[2]}=${announce}`);
      }
      expect(await read('client')).to.equal(original);
    });

    it('keeps /proc/sys read-only outside net/', async function () {
      const r = await labExec('lb1', 'cat /proc/sys/kernel/panic > /proc/sys/kernel/panic');
      expect(r.code).not.to.equal(0);
      expect(r.stderr).to.match(/Read-only file system/);
    });

    it('each host has its own process table and no route out of the lab', async function () {
      for (const host of LAB_HOST_NAMES) {
        const out = await labExecOk(host, 'cat /proc/1/comm; ip -4 route show default | wc -l');
        expect(out.trim().split('\n'), host).to.deep.equal(['tini', '0']);
      }
    });
  });

  // Asserted on what every host boots from (its init and the overlay's lower layer), not on the
  // live hosts: lbprov may already have installed and started things there.
  describe('hosts as lbprov finds them', function () {
    it('boot only sshd under tini: no systemd, nothing starts redis', async function () {
      for (const host of LAB_HOST_NAMES) {
        const out = await labExecOk(
          host,
          "tr '\\0' ' ' </proc/1/cmdline; echo; test -d /run/systemd/system && echo systemd || echo no-systemd",
        );
        const lines = out.split('\n').map((l) => l.trim());
        expect(lines.filter(Boolean), host).to.deep.equal([
          '/usr/bin/tini -- /usr/sbin/sshd -D -e',
          'no-systemd',
        ]);
      }
    });

    it('have redis-server and SysV service scripts installed, and no keepalived build dependencies', async function () {
      const lower = await lowerLayer('rs1');
      const status = await readFile(join(lower, 'var/lib/dpkg/status'), 'utf8');
      const installed = new Set(
        status
          .split('\n\n')
          .filter((p) => /^Status: install ok installed$/m.test(p))
          .map((p) => /^Package: (.+)$/m.exec(p)?.[1]),
      );
      for (const p of [
        'openssh-server',
        'redis-server',
        'redis-tools',
        'sudo',
        'tini',
        'curl',
        'patch',
        'kmod',
      ]) {
        expect(installed.has(p), p).to.equal(true);
      }
      for (const p of [
        'gcc',
        'make',
        'pkg-config',
        'libssl-dev',
        'libnl-3-dev',
        'libnl-genl-3-dev',
        'libpopt-dev',
      ]) {
        expect(installed.has(p), p).to.equal(false);
      }
      for (const f of ['usr/sbin/service', 'etc/init.d/redis-server', 'etc/init.d/ssh']) {
        expect((await run('test', ['-x', join(lower, f)])).code, f).to.equal(0);
      }
    });
  });

  describe('artifacts and packages from the control side', function () {
    it("serves the how-to's and the current source tarballs on the control address, matching both inventories' pins", async function () {
      const artifacts = [];
      for (const file of [LAB_INVENTORY, LAB_CURRENT_INVENTORY]) {
        const inventory = parse(await readFile(file, 'utf8')) as {
          keepalived: { source: string; sha256: string };
          ipvsadm: { source: string; sha256: string };
        };
        artifacts.push(inventory.keepalived, inventory.ipvsadm);
      }
      expect(artifacts.map((artifact) => artifact.source.split('/').at(-1))).to.deep.equal([
        'keepalived-1.2.0.tar.gz',
        'ipvsadm-1.26.tar.gz',
        'keepalived_2.2.7.orig.tar.gz',
        'ipvsadm_1.31.orig.tar.gz',
      ]);
      for (const artifact of artifacts) {
        expect(artifact.source.startsWith(`${ARTIFACTS_URL}/`)).to.equal(true);
        const out = await labExecOk('client', `curl -fsS --max-time 30 '${artifact.source}' | sha256sum`);
        expect(out.split(' ')[0], artifact.source).to.equal(artifact.sha256);
      }
    });

    it('installs a package through the apt proxy on the control address', async function () {
      const proxy = await labExecOk('client', 'apt-config dump Acquire::http::Proxy');
      expect(proxy).to.contain(`http://${CONTROL_ADDRESS}:`);
      try {
        await labExecOk(
          'client',
          'apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends hello >/dev/null',
          { timeoutMs: 600_000 },
        );
        expect((await labExecOk('client', 'hello')).trim()).to.equal('Hello, world!');
        // Only that host got it.
        expect((await labExec('rs2', 'command -v hello')).code).to.equal(1);
      } finally {
        await labExec('client', 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q hello >/dev/null');
      }
    });
  });
});
