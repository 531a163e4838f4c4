// The undo scripts run here, in a temporary folder, with the same sh a Debian host uses: what they
// do to files is checked on real files, not on the script's text.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  findingsIn,
  modifiedCopyPath,
  removeFileScript,
  removePackagesScript,
  removeDirScript,
  removeTreeScript,
  restoreFileScript,
  restorePathScript,
} from '../../../src/engine/destroy-scripts.js';
import { shellQuote } from '../../../src/util/shell.js';
import { tempDir } from '../../support/temp-dir.js';

function sh(
  script: string,
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('undo scripts (run with sh on temporary files)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("lbprov destroy 'test' ");
  });

  describe('remove a file lbprov created', () => {
    it('removes it when it is what lbprov wrote, and keeps no copy', () => {
      const path = join(dir, 'keepalived.conf');
      writeFileSync(path, 'lbprov wrote this\n');
      const copyTo = modifiedCopyPath(path, 'run1');
      const result = sh(removeFileScript({ path, writtenSha: sha('lbprov wrote this\n'), copyTo }));
      expect(result.code).to.equal(0);
      expect(findingsIn(result.stdout)).to.deep.equal(new Set());
      expect(existsSync(path)).to.equal(false);
      expect(existsSync(copyTo)).to.equal(false);
    });

    it('keeps a copy of a hand-edited file beside it, then removes it', () => {
      const path = join(dir, 'keepalived.conf');
      writeFileSync(path, 'edited by hand\n', { mode: 0o600 });
      const copyTo = modifiedCopyPath(path, 'run1');
      const result = sh(removeFileScript({ path, writtenSha: sha('lbprov wrote this\n'), copyTo }));
      expect(result.code).to.equal(0);
      expect(findingsIn(result.stdout)).to.deep.equal(new Set(['kept-copy']));
      expect(existsSync(path)).to.equal(false);
      expect(readFileSync(copyTo, 'utf8')).to.equal('edited by hand\n');
      expect(statSync(copyTo).mode & 0o777).to.equal(0o600);
    });

    it('reports a file that is already gone, and does not fail', () => {
      const path = join(dir, 'gone');
      const result = sh(removeFileScript({ path, copyTo: `${path}.copy` }));
      expect(result.code).to.equal(0);
      expect(findingsIn(result.stdout)).to.deep.equal(new Set(['absent']));
    });

    it('fails on a folder in the file’s place instead of removing it', () => {
      const path = join(dir, 'now-a-folder');
      mkdirSync(path);
      const result = sh(removeFileScript({ path, copyTo: `${path}.copy` }));
      expect(result.code).not.to.equal(0);
      expect(existsSync(path)).to.equal(true);
    });
  });

  describe('restore a file lbprov replaced', () => {
    it('puts the original back byte for byte, with its mode', () => {
      const path = join(dir, 'sysctl.conf');
      const backup = join(dir, 'backup', 'sysctl.conf');
      mkdirSync(join(dir, 'backup'));
      writeFileSync(backup, '# original\n\u0000binary too\n');
      chmodSync(backup, 0o640);
      writeFileSync(path, 'lbprov wrote this\n');
      const result = sh(
        restoreFileScript(
          { path, writtenSha: sha('lbprov wrote this\n'), copyTo: modifiedCopyPath(path, 'r') },
          backup,
        ),
      );
      expect(result.code, result.stderr).to.equal(0);
      expect(findingsIn(result.stdout)).to.deep.equal(new Set());
      expect(readFileSync(path)).to.deep.equal(readFileSync(backup));
      expect(statSync(path).mode & 0o777).to.equal(0o640);
    });

    it('keeps a hand-edited version beside the file before restoring', () => {
      const path = join(dir, 'sysctl.conf');
      const backup = join(dir, 'sysctl.conf.orig');
      writeFileSync(backup, 'original\n');
      writeFileSync(path, 'lbprov wrote this\nand a hand edit\n');
      const copyTo = modifiedCopyPath(path, 'r');
      const result = sh(restoreFileScript({ path, writtenSha: sha('lbprov wrote this\n'), copyTo }, backup));
      expect(findingsIn(result.stdout)).to.deep.equal(new Set(['kept-copy']));
      expect(readFileSync(path, 'utf8')).to.equal('original\n');
      expect(readFileSync(copyTo, 'utf8')).to.equal('lbprov wrote this\nand a hand edit\n');
    });

    it('takes an already restored original for what it is, not for a hand edit (a resumed destroy)', () => {
      const path = join(dir, 'sysctl.conf');
      const backup = join(dir, 'sysctl.conf.orig');
      writeFileSync(backup, 'original\n');
      writeFileSync(path, 'original\n');
      const copyTo = modifiedCopyPath(path, 'r');
      const result = sh(restoreFileScript({ path, writtenSha: sha('lbprov wrote this\n'), copyTo }, backup));
      expect(findingsIn(result.stdout)).to.deep.equal(new Set());
      expect(existsSync(copyTo)).to.equal(false);
    });

    it('reports a missing backup and leaves the file as it is', () => {
      const path = join(dir, 'sysctl.conf');
      writeFileSync(path, 'lbprov wrote this\n');
      const result = sh(
        restoreFileScript({ path, writtenSha: sha('other'), copyTo: `${path}.copy` }, join(dir, 'no-backup')),
      );
      expect(result.code).to.equal(0);
      expect(findingsIn(result.stdout)).to.deep.equal(new Set(['backup-missing']));
      expect(readFileSync(path, 'utf8')).to.equal('lbprov wrote this\n');
      expect(existsSync(`${path}.copy`)).to.equal(false);
    });
  });

  it('removes a tree, and reports one already gone', () => {
    const tree = join(dir, 'prefix');
    mkdirSync(join(tree, 'sbin'), { recursive: true });
    writeFileSync(join(tree, 'sbin', 'keepalived'), 'binary');
    expect(sh(removeTreeScript(tree)).code).to.equal(0);
    expect(existsSync(tree)).to.equal(false);
    expect(findingsIn(sh(removeTreeScript(tree)).stdout)).to.deep.equal(new Set(['absent']));
  });

  describe('put back what a build overwrote (an operator’s own build), from the copy kept before', () => {
    it('a folder: lbprov’s build goes, the original comes back whole, modes and links included', () => {
      const prefix = join(dir, 'keepalived');
      const backup = join(dir, 'backup', 'keepalived');
      mkdirSync(join(backup, 'sbin'), { recursive: true });
      writeFileSync(join(backup, 'sbin', 'keepalived'), 'the operator’s 1.2.0');
      chmodSync(join(backup, 'sbin', 'keepalived'), 0o750);
      symlinkSync('sbin/keepalived', join(backup, 'current'));
      mkdirSync(join(prefix, 'sbin'), { recursive: true });
      writeFileSync(join(prefix, 'sbin', 'keepalived'), 'lbprov’s 2.2.7');
      writeFileSync(join(prefix, 'only-in-2.2.7'), 'x');

      const run = sh(restorePathScript(prefix, backup));
      expect(run, run.stderr).to.include({ code: 0 });
      expect(readFileSync(join(prefix, 'sbin', 'keepalived'), 'utf8')).to.equal('the operator’s 1.2.0');
      expect(statSync(join(prefix, 'sbin', 'keepalived')).mode & 0o777).to.equal(0o750);
      expect(readFileSync(join(prefix, 'current'), 'utf8')).to.equal('the operator’s 1.2.0');
      expect(existsSync(join(prefix, 'only-in-2.2.7'))).to.equal(false);
      expect(existsSync(backup), 'the copy stays until the record goes').to.equal(true);
    });

    it('a file; and with the copy gone, nothing is touched and that is reported', () => {
      const binary = join(dir, 'ipvsadm');
      const backup = join(dir, 'ipvsadm.orig');
      writeFileSync(binary, 'ipvsadm v1.31');
      writeFileSync(backup, 'ipvsadm v1.26');
      expect(sh(restorePathScript(binary, backup))).to.include({ code: 0 });
      expect(readFileSync(binary, 'utf8')).to.equal('ipvsadm v1.26');

      writeFileSync(binary, 'ipvsadm v1.31');
      const missing = sh(restorePathScript(binary, join(dir, 'no-such-copy')));
      expect(missing.code).to.equal(0);
      expect(findingsIn(missing.stdout)).to.deep.equal(new Set(['backup-missing']));
      expect(readFileSync(binary, 'utf8')).to.equal('ipvsadm v1.31');
    });
  });

  describe('remove a folder lbprov created on the way to its files', () => {
    it('removes it once empty, and reports one already gone', () => {
      const folder = join(dir, 'rc.d');
      mkdirSync(folder);
      expect(sh(removeDirScript(folder))).to.include({ code: 0 });
      expect(existsSync(folder)).to.equal(false);
      expect(findingsIn(sh(removeDirScript(folder)).stdout)).to.deep.equal(new Set(['absent']));
    });

    it('keeps it, and everything in it, when something else was put there since', () => {
      const folder = join(dir, 'man');
      mkdirSync(join(folder, 'man8'), { recursive: true });
      writeFileSync(join(folder, 'man8', 'other.8'), 'not lbprov’s');
      const run = sh(removeDirScript(folder));
      expect(run.code).to.equal(0);
      expect(findingsIn(run.stdout)).to.deep.equal(new Set(['not-empty']));
      expect(readFileSync(join(folder, 'man8', 'other.8'), 'utf8')).to.equal('not lbprov’s');
    });

    it('keeps a symlink or a file that took the folder’s place', () => {
      const target = join(dir, 'elsewhere');
      mkdirSync(target);
      const link = join(dir, 'keepalived');
      symlinkSync(target, link);
      expect(findingsIn(sh(removeDirScript(link)).stdout)).to.deep.equal(new Set(['not-empty']));
      expect(existsSync(link)).to.equal(true);
      const file = join(dir, 'plain');
      writeFileSync(file, 'x');
      expect(findingsIn(sh(removeDirScript(file)).stdout)).to.deep.equal(new Set(['not-empty']));
      expect(existsSync(file)).to.equal(true);
    });
  });

  describe('remove packages (apt, with stand-in dpkg-query and apt-get, and apt history logs)', () => {
    /**
     * A small package world: `installed` and `auto` (installed as a dependency) name packages,
     * `deps` lists "package dependency" pairs. The fake apt-get simulates purge (the packages and
     * what depends on them) and autoremove (auto packages nothing installed needs), and logs
     * each real call.
     */
    function fakeApt(world: { installed: string[]; auto: string[]; deps: [string, string][] }) {
      const bin = join(dir, 'bin');
      const logs = join(dir, 'log-apt');
      const calls = join(dir, 'calls');
      mkdirSync(bin);
      mkdirSync(logs);
      const file = (name: string, lines: string[]): string => {
        writeFileSync(join(dir, name), lines.map((line) => `${line}\n`).join(''));
        return shellQuote(join(dir, name));
      };
      const installed = file('installed', world.installed);
      const auto = file('auto', world.auto);
      const deps = file(
        'deps',
        world.deps.map((pair) => pair.join(' ')),
      );
      const scratch = shellQuote(join(dir, 'scratch'));
      const isInstalled = (variable: string): string => `grep -qx "$${variable}" ${installed}`;
      writeFileSync(
        join(bin, 'dpkg-query'),
        `#!/bin/sh\nfor p in "$@"; do case "$p" in -*) ;; *) ${isInstalled('p')} && echo "$p installed";; esac; done\n`,
        { mode: 0o755 },
      );
      writeFileSync(
        join(bin, 'apt-get'),
        [
          '#!/bin/sh',
          'if [ "$1 $2" = "-s autoremove" ]; then',
          `  while read -r p; do grep -qx "$p" ${auto} || continue; needed=no`,
          `    while read -r a b; do if [ "$b" = "$p" ] && ${isInstalled('a')}; then needed=yes; fi; done < ${deps}`,
          '    if [ $needed = no ]; then echo "Remv $p [1]"; fi',
          `  done < ${installed}; exit 0`,
          'fi',
          'if [ "$1 $2" = "-s purge" ]; then shift 2',
          '  for p in "$@"; do echo "Purg $p [1]"',
          `    while read -r a b; do if [ "$b" = "$p" ] && ${isInstalled('a')}; then echo "Purg $a [1]"; fi; done < ${deps}`,
          '  done; exit 0',
          'fi',
          `echo "$*" >> ${shellQuote(calls)}`,
          `for p in "$@"; do case "$p" in -*|purge) ;; *) grep -vx "$p" ${installed} > ${scratch}; mv ${scratch} ${installed};; esac; done`,
        ].join('\n'),
        { mode: 0o755 },
      );
      const transaction = (install: string): string =>
        `\nStart-Date: 2026-01-01  10:00:00\nCommandline: apt-get install\nInstall: ${install}\nEnd-Date: 2026-01-01  10:00:01\n`;
      // The oldest transaction sits in a rotated, compressed log.
      writeFileSync(
        join(logs, 'history.log.1.gz'),
        gzipSync(transaction('libpopt0:amd64 (1.19, automatic), other:amd64 (1)')),
      );
      writeFileSync(
        join(logs, 'history.log'),
        transaction('cpp:amd64 (12, automatic), gcc:amd64 (12)') + transaction('libpopt-dev:amd64 (1.19)'),
      );
      return {
        run: () =>
          sh(removePackagesScript('apt', ['gcc', 'make', 'libpopt-dev'], logs), {
            PATH: `${bin}:${process.env.PATH}`,
          }),
        calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []),
      };
    }

    const world = {
      installed: ['gcc', 'cpp', 'libpopt-dev', 'libpopt0', 'orphan-old'],
      auto: ['cpp', 'libpopt0', 'orphan-old'],
      deps: [
        ['gcc', 'cpp'],
        ['libpopt-dev', 'libpopt0'],
      ] as [string, string][],
    };

    it('purges them, then what apt installed with them that nothing needs; never what was there before', () => {
      const apt = fakeApt(world);
      const result = apt.run();
      expect(result.code, result.stderr).to.equal(0);
      // libpopt0 and orphan-old were there before lbprov's installs: they stay.
      expect(apt.calls()).to.deep.equal(['purge -y -q gcc libpopt-dev', 'purge -y -q cpp']);
    });

    it('refuses, and removes nothing, when software installed since depends on them', () => {
      const apt = fakeApt({
        ...world,
        installed: [...world.installed, 'user-app'],
        deps: [...world.deps, ['user-app', 'gcc']],
      });
      const result = apt.run();
      expect(result.code).to.equal(1);
      expect(result.stderr)
        .to.include('would also remove what depends on them: user-app')
        .and.include('without --remove-packages');
      expect(apt.calls()).to.deep.equal([]);
    });

    it('does nothing when none of them is installed any more', () => {
      const apt = fakeApt({ installed: ['orphan-old'], auto: ['orphan-old'], deps: [] });
      const result = apt.run();
      expect(findingsIn(result.stdout)).to.deep.equal(new Set(['absent']));
      expect(apt.calls()).to.deep.equal([]);
    });
  });

  it('ignores marker look-alikes that are not findings', () => {
    expect(
      findingsIn('lbprov-destroy: absentee\nxlbprov-destroy: absent\nlbprov-destroy: kept-copy\n'),
    ).to.deep.equal(new Set(['kept-copy']));
  });
});
