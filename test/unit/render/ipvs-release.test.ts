import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderIpvsRelease } from '../../../src/render/ipvs-release.js';
import { tempDir } from '../../support/temp-dir.js';
import { expectGolden } from './golden.js';
import { shSyntaxErrors, writeExecutable } from './shell-run.js';

const VIP = '192.168.56.10';

/** What `ipvsadm -S -n` prints on a director: lbprov's two services, a UDP one and the operator's own. */
const RULES = [
  `-A -t ${VIP}:6379 -s rr`,
  `-a -t ${VIP}:6379 -r 192.168.56.21:6379 -g -w 1`,
  `-A -t ${VIP}:6380 -s rr`,
  `-a -t ${VIP}:6380 -r 192.168.56.22:6380 -g -w 1`,
  `-A -u ${VIP}:53 -s rr`,
  `-A -t ${VIP}0:6379 -s rr`,
  '-A -t 10.0.0.5:80 -s wlc',
].join('\n');

interface Host {
  /** `ip -o -4 addr show` lines. */
  addresses: string;
  /** Seconds a stand-in keepalived (a copy of sleep at the binary's path) runs on after the call; 0: none. */
  keepalivedFor: number;
  /** False: ipvsadm fails as it does on a kernel without IPVS. */
  ipvs: boolean;
}

/** Runs the rendered script with stand-ins for ipvsadm, ip and pidof; returns what it did. */
function release(host: Host) {
  const dir = tempDir('lbprov-release-');
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  writeFileSync(join(dir, 'rules'), `${RULES}\n`);
  const ipvsadm = writeExecutable(
    'ipvsadm',
    `#!/bin/sh
${host.ipvs ? '' : 'echo "Can\'t initialize ipvs: Protocol not available" >&2; exit 2'}
echo "$*" >> ${calls}
[ "$1" = -S ] && cat ${join(dir, 'rules')}
exit 0
`,
  );
  writeFileSync(join(dir, 'ip'), `#!/bin/sh\nprintf '%s' '${host.addresses}'\n`, { mode: 0o755 });
  const keepalived = join(dir, 'keepalived');
  copyFileSync('/bin/sleep', keepalived);
  const stillRunning = host.keepalivedFor > 0 ? spawn(keepalived, [String(host.keepalivedFor)]) : undefined;
  const script = writeExecutable(
    'keepalived-release-ipvs',
    renderIpvsRelease({ vip: VIP, ipvsadm, keepalived }),
  );
  const started = Date.now();
  const result = spawnSync('sh', [script], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
  });
  const waitedMs = Date.now() - started;
  stillRunning?.kill();
  const removed = readFileSync(calls, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('-D'));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, removed, waitedMs };
}

const WITHOUT_VIP = `2: eth1    inet 192.168.56.11/24 brd 192.168.56.255 scope global eth1\n`;
const WITH_VIP = `${WITHOUT_VIP}2: eth1    inet ${VIP}/32 scope global eth1\n`;

describe('the IPVS release run after keepalived stops (keepalived runs with --dont-release-ipvs)', function () {
  this.timeout(30_000);

  it('matches the golden file and parses as POSIX sh', () => {
    const program = renderIpvsRelease({
      vip: VIP,
      ipvsadm: '/sbin/ipvsadm',
      keepalived: '/usr/local/keepalived/sbin/keepalived',
    });
    expectGolden('keepalived-release-ipvs.sh', program);
    expect(shSyntaxErrors(writeExecutable('release', program))).to.equal('');
  });

  it("removes lbprov's TCP services on the VIP, and no other, once keepalived and the VIP are gone", () => {
    const done = release({ addresses: WITHOUT_VIP, keepalivedFor: 0, ipvs: true });
    expect(done.status).to.equal(0);
    expect(done.removed).to.deep.equal([`-D -t ${VIP}:6379`, `-D -t ${VIP}:6380`]);
    expect(done.stdout).to.include(`removed IPVS service ${VIP}:6379`);
  });

  it("waits for keepalived's children, which outlive its parent, before removing anything", () => {
    const done = release({ addresses: WITHOUT_VIP, keepalivedFor: 2, ipvs: true });
    expect(done.status).to.equal(0);
    expect(done.removed).to.have.length(2);
    expect(done.waitedMs).to.be.at.least(1500);
  });

  it('leaves every service when keepalived is still running 10 s after its stop, and says so', () => {
    const done = release({ addresses: WITHOUT_VIP, keepalivedFor: 30, ipvs: true });
    expect(done.status).to.equal(0);
    expect(done.removed).to.deep.equal([]);
    expect(done.stderr).to.include('keepalived still runs 10 s after it was told to stop');
  });

  it('leaves every service while this host still holds the VIP (a killed keepalived), and says so', () => {
    const done = release({ addresses: WITH_VIP, keepalivedFor: 0, ipvs: true });
    expect(done.status).to.equal(0);
    expect(done.removed).to.deep.equal([]);
    expect(done.stderr).to.include(`${VIP} is still on this host`);
  });

  it('does nothing, and succeeds, on a kernel without IPVS', () => {
    const done = release({ addresses: WITHOUT_VIP, keepalivedFor: 0, ipvs: false });
    expect(done.status).to.equal(0);
    expect(done.removed).to.deep.equal([]);
    expect(done.stderr).to.equal('');
  });
});
