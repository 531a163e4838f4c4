// The undo scripts run here, in a temporary folder, with the same sh a Debian host uses: what they
// do to files is checked on real files, not on the script's text.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findingsIn,
  modifiedCopyPath,
  removeFileScript,
  removePackagesScript,
  removeTreeScript,
  restoreFileScript,
} from '../../../src/engine/destroy-scripts.js';
import { shellQuote } from '../../../src/util/shell.js';

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
    dir = mkdtempSync(join(tmpdir(), "lbprov destroy 'test' "));
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

  describe('remove packages (apt, with stand-in dpkg-query and apt-get)', () => {
    /**
     * Fake tools: dpkg-query lists what `installed` holds; apt-get logs each call and, for
     * `-s autoremove`, lists the auto-removable packages: `orphan-old` always, `libfoo` once gcc is gone.
     */
    function fakeApt(installed: string[]): { bin: string; log: string } {
      const bin = join(dir, 'bin');
      const log = join(dir, 'apt.log');
      mkdirSync(bin);
      const list = shellQuote(join(dir, 'installed'));
      const scratch = shellQuote(join(dir, 'installed.tmp'));
      writeFileSync(join(dir, 'installed'), installed.map((name) => `${name}\n`).join(''));
      writeFileSync(
        join(bin, 'dpkg-query'),
        `#!/bin/sh\nfor p in "$@"; do case "$p" in -*) ;; *) grep -qx "$p" ${list} && echo "$p installed";; esac; done\n`,
        { mode: 0o755 },
      );
      writeFileSync(
        join(bin, 'apt-get'),
        [
          '#!/bin/sh',
          `if [ "$1" = -s ]; then echo 'Remv orphan-old [1]'; grep -qx gcc ${list} || echo 'Remv libfoo [2]'; exit 0; fi`,
          `echo "$*" >> ${shellQuote(log)}`,
          `for p in "$@"; do case "$p" in -*|purge) ;; *) grep -vx "$p" ${list} > ${scratch}; mv ${scratch} ${list};; esac; done`,
        ].join('\n'),
        { mode: 0o755 },
      );
      return { bin, log };
    }

    it('purges the packages still installed, then only the dependencies they alone needed', () => {
      const { bin, log } = fakeApt(['gcc', 'libfoo', 'orphan-old']);
      const result = sh(removePackagesScript('apt', ['gcc', 'make']), { PATH: `${bin}:${process.env.PATH}` });
      expect(result.code, result.stderr).to.equal(0);
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).to.deep.equal([
        'purge -y -q gcc',
        'purge -y -q libfoo',
      ]);
    });

    it('does nothing when none of them is installed any more', () => {
      const { bin, log } = fakeApt(['orphan-old']);
      const result = sh(removePackagesScript('apt', ['gcc', 'make']), { PATH: `${bin}:${process.env.PATH}` });
      expect(findingsIn(result.stdout)).to.deep.equal(new Set(['absent']));
      expect(existsSync(log)).to.equal(false);
    });
  });

  it('ignores marker look-alikes that are not findings', () => {
    expect(
      findingsIn('lbprov-destroy: absentee\nxlbprov-destroy: absent\nlbprov-destroy: kept-copy\n'),
    ).to.deep.equal(new Set(['kept-copy']));
  });
});
