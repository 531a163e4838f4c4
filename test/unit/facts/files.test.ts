import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProbeScript, parseProbeOutput } from '../../../src/facts/batch.js';
import {
  ancestorsOf,
  fileFact,
  foldersCreatedFor,
  pathExistsFact,
  pathPresenceFact,
  type FileState,
} from '../../../src/facts/files.js';
import { lineInFileModule } from '../../../src/steps/line-in-file.js';
import { DEBIAN } from '../steps/support.js';
import { runFact, runProbe } from './run-probe.js';

const sha = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
const b64 = (content: string) => Buffer.from(content).toString('base64');
const EMPTY_SHA = sha('');
const me = os.userInfo().username;
/** An empty file, mode 0644, root:root: its content is empty, never missing. */
const EMPTY_FILE: FileState = {
  exists: true,
  type: 'file',
  mode: 0o644,
  owner: 'root',
  group: 'root',
  sha256: EMPTY_SHA,
  content: Buffer.alloc(0),
};
/** A 6-byte file `hello\n`, mode 0640, root:redis: every way the host may print it reads as this. */
const HELLO_FILE: FileState = {
  exists: true,
  type: 'file',
  mode: 0o640,
  owner: 'root',
  group: 'redis',
  sha256: sha('hello\n'),
  content: Buffer.from('hello\n'),
};

const rows: {
  name: string;
  output: string;
  code?: number;
  options?: { content?: boolean };
  state: FileState;
}[] = [
  { name: 'absent', output: 'absent\n', state: { exists: false } },
  {
    name: 'absent, with the nearest folder above that exists',
    output: 'absent /etc\n',
    state: { exists: false, existingAncestor: '/etc' },
  },
  {
    name: 'absent, with a folder name that has a space',
    output: 'absent /srv/my data\n',
    state: { exists: false, existingAncestor: '/srv/my data' },
  },
  {
    name: 'a file with content',
    output: `file 640 root redis 6\n${sha('hello\n')}\n${b64('hello\n')}`,
    state: HELLO_FILE,
  },
  {
    name: 'an empty file: content is empty, not missing',
    output: `file 644 root root 0\n${EMPTY_SHA}\n`,
    state: EMPTY_FILE,
  },
  {
    name: 'a file over 1 MiB: no content (compared by hash only), not an empty content',
    output: `file 644 root root 2097152\n${sha('big')}\n`,
    state: { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', sha256: sha('big') },
  },
  {
    name: 'a directory',
    output: 'directory 755 root root 4096\n-\n',
    state: { exists: true, type: 'directory', mode: 0o755, owner: 'root', group: 'root', sha256: '-' },
  },
  {
    name: 'a symlink (its own mode, never followed)',
    output: 'symlink 777 root root 11\n-\n',
    state: { exists: true, type: 'symlink', mode: 0o777, owner: 'root', group: 'root', sha256: '-' },
  },
  {
    name: 'something else (a fifo)',
    output: 'other 644 root root 0\n-\n',
    state: { exists: true, type: 'other', mode: 0o644, owner: 'root', group: 'root', sha256: '-' },
  },
  {
    name: 'a setuid mode keeps its high bits',
    output: `file 4755 root root 0\n${EMPTY_SHA}\n`,
    state: {
      exists: true,
      type: 'file',
      mode: 0o4755,
      owner: 'root',
      group: 'root',
      sha256: EMPTY_SHA,
      content: Buffer.alloc(0),
    },
  },
  {
    name: 'a file as the host prints it now: no hash, the content; lbprov hashes the content',
    output: `file 640 root redis 6\n\n${b64('hello\n')}`,
    state: HELLO_FILE,
  },
  {
    name: 'an empty file as the host prints it now: the hash of nothing, an empty content',
    output: 'file 644 root root 0\n\n',
    state: EMPTY_FILE,
  },
  {
    name: 'a content the host could not read (base64 failed): no hash, no content, not an empty file',
    output: 'file 600 root root 10\n\n',
    code: 2,
    state: { exists: true, type: 'file', mode: 0o600, owner: 'root', group: 'root', sha256: '' },
  },
  {
    name: 'a file over 1 MiB, as sha256sum prints it (`<hash>  -`): the hash',
    output: `file 644 root root 2097152\n${sha('big')}  -\n`,
    state: { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', sha256: sha('big') },
  },
  {
    name: 'meta only, as sha256sum prints it: the hash, no content',
    output: `file 644 root root 6\n${sha('hello\n')}  -\n`,
    options: { content: false },
    state: { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', sha256: sha('hello\n') },
  },
  {
    name: 'meta only ({ content: false }): hash without content',
    output: `file 644 root root 6\n${sha('hello\n')}\n`,
    options: { content: false },
    state: { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', sha256: sha('hello\n') },
  },
];

describe('facts: files', () => {
  describe('fileFact: raw output -> state', () => {
    for (const row of rows) {
      it(row.name, () => {
        expect(fileFact('/etc/x.conf', row.options).parse(row.output, row.code ?? 0)).to.deep.equal(
          row.state,
        );
      });
    }

    it('content and meta-only facts of one path are different questions', () => {
      expect(fileFact('/etc/x').key).to.equal('file:/etc/x');
      expect(fileFact('/etc/x', { content: false }).key).to.equal('file:/etc/x:meta');
    });
  });

  describe('run with sh on this machine', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'lbprov-files-'));
      writeFileSync(path.join(dir, 'app.conf'), 'port 6379\n');
      chmodSync(path.join(dir, 'app.conf'), 0o640);
      writeFileSync(path.join(dir, 'empty'), '');
      writeFileSync(path.join(dir, "it's here.conf"), 'quoted $(name)\n');
      writeFileSync(path.join(dir, 'binary'), Buffer.from([0, 1, 2, 255, 10]));
      writeFileSync(path.join(dir, 'big'), Buffer.alloc(1024 * 1024 + 1, 'x'));
      mkdirSync(path.join(dir, 'folder'));
      symlinkSync(path.join(dir, 'app.conf'), path.join(dir, 'link'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const at = (name: string) => path.join(dir, name);

    it('a regular file: type, mode, owner, sha256 and content', () => {
      const state = runFact(fileFact(at('app.conf')));
      expect(state).to.deep.include({
        exists: true,
        type: 'file',
        mode: 0o640,
        owner: me,
        sha256: sha('port 6379\n'),
      });
      expect(state.exists && state.content?.toString()).to.equal('port 6379\n');
    });

    it('meta only ({ content: false }): type, mode and the sha256 the host computed, no content', () => {
      const state = runFact(fileFact(at('app.conf'), { content: false }));
      expect(state).to.deep.include({ exists: true, type: 'file', mode: 0o640, sha256: sha('port 6379\n') });
      expect(state).not.to.have.property('content');
    });

    it('a file read with content needs no sha256sum on the host: lbprov hashes what it read', () => {
      // A PATH with stat and base64 only: sha256sum (and cut, dirname) cannot run.
      const bin = path.join(dir, 'bin');
      mkdirSync(bin);
      for (const tool of ['stat', 'base64']) {
        symlinkSync(
          execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
          path.join(bin, tool),
        );
      }
      const facts = [fileFact(at('app.conf')), fileFact(at('empty')), fileFact(at('new/sub/file.conf'))];
      const probe = buildProbeScript(facts);
      const values = parseProbeOutput(
        probe,
        execFileSync('/bin/sh', ['-c', probe.script], { encoding: 'utf8', env: { PATH: bin } }),
      );
      expect(values.get(`file:${at('app.conf')}`)).to.deep.include({
        sha256: sha('port 6379\n'),
        content: Buffer.from('port 6379\n'),
      });
      expect(values.get(`file:${at('empty')}`)).to.deep.include({ sha256: EMPTY_SHA });
      expect(values.get(`file:${at('new/sub/file.conf')}`)).to.deep.equal({
        exists: false,
        existingAncestor: dir,
      });
    });

    it('an empty file: an empty content', () => {
      const state = runFact(fileFact(at('empty')));
      expect(state.exists && state.content?.length).to.equal(0);
    });

    it('a name with a quote, a space and $(...): read, nothing run', () => {
      const state = runFact(fileFact(at("it's here.conf")));
      expect(state.exists && state.content?.toString()).to.equal('quoted $(name)\n');
    });

    it('binary content comes back byte for byte', () => {
      const state = runFact(fileFact(at('binary')));
      expect(state.exists && state.content).to.deep.equal(Buffer.from([0, 1, 2, 255, 10]));
    });

    it('a file over 1 MiB: its sha256, and no content (so it is never edited as if empty)', () => {
      const state = runFact(fileFact(at('big')));
      expect(state).to.deep.include({
        exists: true,
        type: 'file',
        sha256: sha(Buffer.alloc(1024 * 1024 + 1, 'x')),
      });
      expect(state).not.to.have.property('content');
      // What the user would notice otherwise: the big file replaced by the one managed line.
      const args = lineInFileModule.parseArgs({ path: at('big'), regexp: '^port ', line: 'port 1' });
      const result = lineInFileModule.check(args, new Map([[`file:${at('big')}`, state]]), {
        name: 'here',
        facts: DEBIAN,
        fetched: {},
      });
      expect(result).to.deep.include({ status: 'fail' });
    });

    it('a directory, a symlink and a missing path', () => {
      const values = runProbe([fileFact(at('folder')), fileFact(at('link')), fileFact(at('missing'))]);
      expect(values.get(`file:${at('folder')}`)).to.deep.include({ exists: true, type: 'directory' });
      expect(values.get(`file:${at('link')}`)).to.deep.include({
        exists: true,
        type: 'symlink',
        sha256: '-',
      });
      expect(values.get(`file:${at('missing')}`)).to.deep.equal({ exists: false, existingAncestor: dir });
    });

    it('a missing path under missing folders names the nearest folder that exists', () => {
      expect(runFact(fileFact(at('new/sub/file.conf')))).to.deep.equal({
        exists: false,
        existingAncestor: dir,
      });
      expect(runFact(fileFact(at('folder/new/file.conf')))).to.deep.equal({
        exists: false,
        existingAncestor: at('folder'),
      });
    });

    it('pathPresenceFact: present (a dangling symlink too), or absent with where creating it starts', () => {
      expect(runFact(pathPresenceFact(at('folder')))).to.deep.equal({ exists: true });
      symlinkSync(at('nowhere'), at('dangling'));
      expect(runFact(pathPresenceFact(at('dangling')))).to.deep.equal({ exists: true });
      expect(runFact(pathPresenceFact(at("it's/man8/x.8")))).to.deep.equal({
        exists: false,
        existingAncestor: dir,
      });
    });

    it('pathExistsFact: / exists, a missing path does not, a dangling name with a quote does not', () => {
      expect(runFact(pathExistsFact('/'))).to.equal(true);
      expect(runFact(pathExistsFact(at('folder')))).to.equal(true);
      expect(runFact(pathExistsFact(at('missing')))).to.equal(false);
      expect(runFact(pathExistsFact("/nonexistent/it's"))).to.equal(false);
    });
  });
});

describe('ancestorsOf: the folders dirname(1) walks up through, listed for the host', () => {
  const dirname = (value: string): string =>
    execFileSync('dirname', ['--', value], { encoding: 'utf8' }).replace(/\n$/, '');
  for (const start of [
    '/etc/keepalived/keepalived.conf',
    '/etc/x',
    '/x',
    '/',
    '//x',
    '/a//b/',
    '/a/b/../c',
    "/srv/it's here/a b/x",
    'relative/file',
    'file',
  ]) {
    it(`${start}: as dirname says, until / (or .)`, () => {
      const expected: string[] = [];
      let current = start;
      do {
        current = dirname(current);
        expected.push(current);
      } while (current !== '/' && current !== '.' && current !== '//');
      expect(ancestorsOf(start)).to.deep.equal(expected);
    });
  }
});

describe('foldersCreatedFor', () => {
  const rows: [string, string | undefined, string[]][] = [
    ['/etc/keepalived/keepalived.conf', '/etc', ['/etc/keepalived']],
    ['/usr/man/man8/ipvsadm.8', '/usr', ['/usr/man', '/usr/man/man8']],
    ['/etc/sysctl.conf', '/etc', []],
    ['/a/b/c', '/', ['/a', '/a/b']],
    ['/etc/keepalived/keepalived.conf', undefined, []],
    // An ancestor that is not above the path says nothing about it.
    ['/etc/keepalived/keepalived.conf', '/usr', []],
    ['/etcetera/x/y', '/etc', []],
  ];
  for (const [path, ancestor, folders] of rows) {
    it(`${path} from ${ancestor ?? '(unknown)'}: ${folders.join(', ') || 'none'}`, () => {
      expect(foldersCreatedFor(path, ancestor)).to.deep.equal(folders);
    });
  }
});
