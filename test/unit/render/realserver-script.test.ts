import { expect } from 'chai';
import { renderRealServerScript, renderRealServerUnit } from '../../../src/render/realserver-script.js';
import { expectGolden } from './golden.js';
import { run, shSyntaxErrors, writeExecutable } from './shell-run.js';

const script = renderRealServerScript('10.8.80.200');
/** What sh executes: the script without its comments. */
const code = script
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');

describe('renderRealServerScript', () => {
  it('matches the golden file', () => expectGolden('lbprov-realserver.sh', script));

  it('is a POSIX sh script with a shebang and an LSB header (defect 3)', () => {
    expect(script.startsWith('#!/bin/sh\n### BEGIN INIT INFO\n')).to.equal(true);
    expect(script).to.include('### END INIT INFO');
    expect(shSyntaxErrors(writeExecutable('lbprov-realserver', script))).to.equal('');
  });

  it('sets one quoted VIP variable and uses only it (defect 1)', () => {
    expect(script).to.include("\nVIP='10.8.80.200'\n");
    expect(code).not.to.match(/\$vip|VIP = /);
    expect(code.match(/10\.8\.80\.200/g)).to.have.length(1);
  });

  it('neither runs /etc/rc.d/init.d/functions nor uses ifconfig (defects 2, 16)', () => {
    expect(code).not.to.match(/init\.d\/functions|ifconfig/);
  });

  it('rejects an unknown action with LSB exit code 2', () => {
    const result = run('sh', [writeExecutable('lbprov-realserver', script), 'bogus']);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/^Usage: /);
  });

  describe('run in a private network namespace (needs root and unshare)', function () {
    let path = '';
    let inNamespace: (...actions: string[]) => ReturnType<typeof run>;

    before(function () {
      path = writeExecutable('lbprov-realserver', script);
      inNamespace = (...actions) =>
        run('unshare', [
          '--net',
          'sh',
          '-c',
          actions.map((a) => `sh ${path} ${a}`).join('; ') + '; echo "rc=$?"',
        ]);
      if (run('unshare', ['--net', 'true']).status !== 0) this.skip();
    });

    it('start adds the VIP to lo and sets the ARP sysctls; status then exits 0', () => {
      const result = inNamespace('start', 'status');
      expect(result.stdout).to.include('10.8.80.200 is on lo');
      expect(result.stdout).to.include('ARP: arp_ignore=1, arp_announce=2 on all and lo');
      expect(result.stdout.trim().endsWith('rc=0')).to.equal(true);
    });

    it('start is idempotent', () => {
      const result = inNamespace('start', 'start', 'status');
      expect(result.stderr).to.equal('');
      expect(result.stdout.trim().endsWith('rc=0')).to.equal(true);
    });

    it('status exits 3 before start and after stop, and stop leaves the ARP settings alone', () => {
      expect(inNamespace('status').stdout.trim().endsWith('rc=3')).to.equal(true);
      const result = run('unshare', [
        '--net',
        'sh',
        '-c',
        `sh ${path} start >/dev/null; sh ${path} stop >/dev/null; sh ${path} status; echo "rc=$?"; ` +
          'cat /proc/sys/net/ipv4/conf/all/arp_ignore /proc/sys/net/ipv4/conf/all/arp_announce',
      ]);
      expect(result.stdout).to.include('10.8.80.200 is NOT on lo');
      expect(result.stdout.trim().split('\n').slice(-3)).to.deep.equal(['rc=3', '1', '2']);
    });
  });
});

describe('renderRealServerUnit', () => {
  it('matches the golden file', () =>
    expectGolden('lbprov-realserver.service', renderRealServerUnit('/etc/init.d/lbprov-realserver')));
});
