import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { downloadScript, fetchModule } from '../../../src/steps/fetch.js';
import { absent, describeCases, fileWithoutContent, onlyAction, sha, type StepCase } from './support.js';

const URL_ = 'https://www.keepalived.org/software/keepalived-2.2.7.tar.gz';
const DEST = '/usr/local/src/lbprov/keepalived-2.2.7.tar.gz';
const SUM = sha('keepalived tarball');
const remove = { kind: 'remove_file', resource: `file:${DEST}`, path: DEST } as const;
const byHost = { url: URL_, dest: DEST, sha256: SUM, via: 'host' };
const byControl = { ...byHost, via: 'control' };

const cases: StepCase[] = [
  {
    name: 'present with the wanted sha256: ok',
    args: byHost,
    facts: [fileWithoutContent(SUM)],
    expect: { status: 'ok', reason: `${DEST} is there with the wanted sha256` },
  },
  {
    name: 'present, no sha256 pinned: ok (nothing to compare)',
    args: { ...byHost, sha256: undefined },
    facts: [fileWithoutContent(sha('anything'))],
    expect: { status: 'ok', reason: '(no sha256 given)' },
  },
  {
    name: 'an empty sha256 (the seed inventory\'s "") means none pinned',
    args: { ...byHost, sha256: '' },
    facts: [fileWithoutContent(sha('anything'))],
    expect: { status: 'ok', reason: '(no sha256 given)' },
  },
  {
    name: 'present with another sha256: download again; undo removes the artifact',
    args: byHost,
    facts: [fileWithoutContent(sha('an older tarball'))],
    expect: {
      status: 'change',
      description: `download ${URL_} again (sha256 differs)`,
      actions: ['shell'],
      undo: [remove],
      diff: null,
    },
  },
  {
    name: 'absent, via host: the host downloads, verifies and renames; undo removes it',
    args: byHost,
    facts: [absent],
    expect: {
      status: 'change',
      description: `download ${URL_} to ${DEST}`,
      actions: ['shell'],
      undo: [remove],
      more(change) {
        const { script } = onlyAction(change, 'shell');
        expect(script).to.include(
          `curl -fsSL --retry 2 --max-filesize 268435456 -o '${DEST}.lbprov-part' '${URL_}'`,
        );
        expect(script).to.include(`if [ "$actual" != '${SUM}' ]`);
        expect(script).to.include(`mv -f '${DEST}.lbprov-part' '${DEST}'`);
        expect(change.description).not.to.include('through lbprov');
      },
    },
  },
  {
    name: 'absent, via host, no sha256: no verification in the script',
    args: { ...byHost, sha256: '' },
    facts: [absent],
    expect: {
      status: 'change',
      description: 'download',
      actions: ['shell'],
      undo: [remove],
      more: (change) => expect(onlyAction(change, 'shell').script).not.to.include('sha256sum'),
    },
  },
  {
    name: 'absent, via control: lbprov downloads and uploads, with the sha256 to check',
    args: byControl,
    facts: [absent],
    expect: {
      status: 'change',
      description: [`download ${URL_} to ${DEST}`, 'through lbprov'],
      actions: ['fetch_on_control'],
      undo: [remove],
      more: (change) =>
        expect(onlyAction(change, 'fetch_on_control')).to.deep.equal({
          kind: 'fetch_on_control',
          url: URL_,
          dest: DEST,
          sha256: SUM,
        }),
    },
  },
  {
    name: 'via control with another sha256 on the host: fetched again through lbprov',
    args: byControl,
    facts: [fileWithoutContent(sha('old'))],
    expect: {
      status: 'change',
      description: 'again (sha256 differs)',
      actions: ['fetch_on_control'],
      undo: [remove],
    },
  },
  {
    name: 'via control without sha256: the action carries none',
    args: { ...byControl, sha256: '' },
    facts: [absent],
    expect: {
      status: 'change',
      description: 'through lbprov',
      actions: ['fetch_on_control'],
      undo: [remove],
      more: (change) => expect(onlyAction(change, 'fetch_on_control')).not.to.have.property('sha256'),
    },
  },
  {
    name: 'auto (the default), absent, the host reaches the URL: the host downloads',
    args: { url: URL_, dest: DEST, sha256: SUM },
    facts: [absent, true],
    expect: {
      status: 'change',
      description: `download ${URL_} to ${DEST}`,
      actions: ['shell'],
      undo: [remove],
      more: (change) => expect(change.description).not.to.include('through lbprov'),
    },
  },
  {
    name: 'auto, absent, the host cannot reach the URL: lbprov downloads and uploads',
    args: { url: URL_, dest: DEST, sha256: SUM, via: 'auto' },
    facts: [absent, false],
    expect: {
      status: 'change',
      description: ['cannot reach', 'through lbprov'],
      actions: ['fetch_on_control'],
      undo: [remove],
    },
  },
  {
    name: 'auto, present with the wanted sha256: ok',
    args: { url: URL_, dest: DEST, sha256: SUM, via: 'auto' },
    facts: [fileWithoutContent(SUM), true],
    expect: { status: 'ok', reason: 'with the wanted sha256' },
  },
  { name: 'an unknown via is refused', args: { ...byHost, via: 'proxy' }, rejects: 'via' },
  { name: 'a URL with a quote is refused', args: { ...byHost, url: "https://x/a'b.tar.gz" }, rejects: 'url' },
  { name: 'an ftp URL is refused', args: { ...byHost, url: 'ftp://x/a.tar.gz' }, rejects: 'url' },
  {
    name: 'an upper-case sha256 is refused',
    args: { ...byHost, sha256: SUM.toUpperCase() },
    rejects: 'sha256',
  },
  { name: 'a short sha256 is refused', args: { ...byHost, sha256: SUM.slice(1) }, rejects: 'sha256' },
];

describe('steps: fetch', () => {
  describeCases(fetchModule, cases);

  describe('the download script, run with sh (file:// URL)', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'lbprov-fetch-'));
      writeFileSync(path.join(dir, 'source.tar.gz'), 'keepalived tarball');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const run = (script: string) => {
      try {
        execFileSync('sh', ['-c', script], { stdio: 'pipe' });
        return { code: 0, stderr: '' };
      } catch (error) {
        const failed = error as { status: number; stderr: Buffer };
        return { code: failed.status, stderr: failed.stderr.toString() };
      }
    };

    it('the right sha256: the file is at dest, no temp file left', () => {
      const dest = path.join(dir, 'sub', 'k.tar.gz');
      expect(run(downloadScript(`file://${dir}/source.tar.gz`, dest, SUM)).code).to.equal(0);
      expect(readFileSync(dest, 'utf8')).to.equal('keepalived tarball');
      expect(existsSync(`${dest}.lbprov-part`)).to.equal(false);
    });

    it('a source larger than the cap: fails, nothing at dest (a URL serving endless data fills nothing)', () => {
      const dest = path.join(dir, 'k.tar.gz');
      const result = run(downloadScript(`file://${dir}/source.tar.gz`, dest, undefined, 10));
      expect(result.code).not.to.equal(0);
      expect(existsSync(dest)).to.equal(false);
      expect(existsSync(`${dest}.lbprov-part`)).to.equal(false);
    });

    it('a wrong sha256: fails, nothing at dest (a bad download is never taken for the file)', () => {
      const dest = path.join(dir, 'k.tar.gz');
      const result = run(downloadScript(`file://${dir}/source.tar.gz`, dest, sha('other')));
      expect(result.code).not.to.equal(0);
      expect(result.stderr).to.include('sha256 mismatch');
      expect(existsSync(dest)).to.equal(false);
      expect(existsSync(`${dest}.lbprov-part`)).to.equal(false);
    });
  });
});
