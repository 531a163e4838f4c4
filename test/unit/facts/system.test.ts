import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { commandFact, packagesFact, serviceFact, sysctlFact } from '../../../src/facts/system.js';
import { runFact, runProbe } from './run-probe.js';

describe('facts: system', () => {
  describe('sysctlFact', () => {
    const rows: { name: string; output: string; code: number; value: string | undefined }[] = [
      { name: 'a single number', output: '1\n', code: 0, value: '1' },
      {
        name: 'tab-separated numbers read as single spaces',
        output: '4096\t131072\t6291456\n',
        code: 0,
        value: '4096 131072 6291456',
      },
      { name: 'no such key (cat fails): undefined, not ""', output: '', code: 1, value: undefined },
      { name: 'an empty value that exists', output: '\n', code: 0, value: '' },
    ];
    for (const row of rows) {
      it(row.name, () =>
        expect(sysctlFact('net.ipv4.tcp_rmem').parse(row.output, row.code)).to.equal(row.value),
      );
    }

    it('run with sh: a key this kernel has, and one it does not', () => {
      const values = runProbe([sysctlFact('kernel.ostype'), sysctlFact('net.lbprov.no_such_key')]);
      expect(values.get('sysctl:kernel.ostype')).to.equal('Linux');
      expect(values.get('sysctl:net.lbprov.no_such_key')).to.equal(undefined);
    });
  });

  describe('commandFact', () => {
    const rows: { name: string; output: string; code: number }[] = [
      { name: 'success with output', output: 'Keepalived v2.2.7\n', code: 0 },
      { name: 'failure without output', output: '', code: 1 },
      { name: 'command not found', output: 'sh: 1: keepalived: not found\n', code: 127 },
    ];
    for (const row of rows) {
      it(`${row.name}: code and output as they came`, () =>
        expect(commandFact('keepalived --version').parse(row.output, row.code)).to.deep.equal({
          code: row.code,
          output: row.output,
        }));
    }

    it('run with sh: stdout and stderr together, the exit code of the command', () => {
      expect(runFact(commandFact('echo hi'))).to.deep.equal({ code: 0, output: 'hi\n' });
      expect(runFact(commandFact('echo out; echo err >&2; exit 3'))).to.deep.equal({
        code: 3,
        output: 'out\nerr\n',
      });
    });
  });

  describe('packagesFact', () => {
    const rows: { name: string; output: string; installed: string[] }[] = [
      {
        name: 'dpkg-query names, one a line',
        output: 'redis-server\ngcc\n',
        installed: ['redis-server', 'gcc'],
      },
      {
        name: 'multi-arch names lose their :arch',
        output: 'libc6:amd64\nlibnl-3-dev:amd64\n',
        installed: ['libc6', 'libnl-3-dev'],
      },
      {
        name: 'rpm names with stray spaces',
        output: '  redis \n\nopenssl-devel\n',
        installed: ['redis', 'openssl-devel'],
      },
      { name: 'nothing installed', output: '', installed: [] },
      {
        name: "dpkg-query's name=status lines: only those whose status is installed",
        output: 'gcc=installed\nmake=config-files\nlibc6=installed\npatch=half-installed\nx=\n',
        installed: ['gcc', 'libc6'],
      },
    ];
    for (const row of rows) {
      it(row.name, () =>
        expect([...packagesFact(['redis']).parse(row.output, 0)]).to.deep.equal(row.installed),
      );
    }

    it('run with sh: what dpkg-query says here (where it is), an unknown name left out', function () {
      if (spawnSync('sh', ['-c', 'command -v dpkg-query']).status !== 0) this.skip();
      const installed = runFact(packagesFact(['dpkg', 'lbprov-no-such-package']));
      expect([...installed]).to.deep.equal(['dpkg']);
    });

    it('the same names in another order are the same question', () => {
      expect(packagesFact(['make', 'gcc']).key).to.equal(packagesFact(['gcc', 'make']).key);
      expect(packagesFact(['gcc']).key).not.to.equal(packagesFact(['gcc', 'make']).key);
    });
  });

  describe('serviceFact', () => {
    const rows: {
      name: string;
      output: string;
      state: { running: boolean; enabled: boolean; installed: boolean };
    }[] = [
      {
        name: 'running, enabled, installed',
        output: 'running=yes\nenabled=yes\ninstalled=yes\n',
        state: { running: true, enabled: true, installed: true },
      },
      {
        name: 'installed but stopped and disabled',
        output: 'running=no\nenabled=no\ninstalled=yes\n',
        state: { running: false, enabled: false, installed: true },
      },
      {
        name: 'not installed at all',
        output: 'running=no\nenabled=no\ninstalled=no\n',
        state: { running: false, enabled: false, installed: false },
      },
      {
        name: 'running though not installed as a unit (started by hand)',
        output: 'running=yes\nenabled=no\ninstalled=no\n',
        state: { running: true, enabled: false, installed: false },
      },
    ];
    for (const row of rows) {
      it(row.name, () =>
        expect(serviceFact('keepalived', 'true').parse(row.output, 0)).to.deep.equal(row.state),
      );
    }

    it('run with sh (SysV): enabled is what `ls /etc/rc[2345].d/S??<name>` would say', function () {
      const links = spawnSync('sh', ['-c', 'ls /etc/rc[2345].d/ 2>/dev/null'], { encoding: 'utf8' }).stdout;
      const linked = /^S\d\d(\S+)$/m.exec(links)?.[1];
      if (existsSync('/run/systemd/system') || !linked) this.skip();
      for (const name of [linked, 'lbprov-none']) {
        const ls = spawnSync('sh', ['-c', `ls /etc/rc[2345].d/S??${name} >/dev/null 2>&1`]).status === 0;
        expect(runFact(serviceFact(name, 'true')).enabled, name).to.equal(ls);
      }
    });

    it('run with sh: running is what the running test says', () => {
      const values = runProbe([serviceFact('lbprov-none', 'true'), serviceFact('lbprov-none', 'false')]);
      expect(values.get('service:lbprov-none:true')).to.deep.include({ running: true, installed: false });
      expect(values.get('service:lbprov-none:false')).to.deep.include({ running: false, installed: false });
    });
  });
});
