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
      actions: ['fetch'],
      undo: [remove],
      diff: null,
    },
  },
  {
    name: 'absent, via host: the host downloads, checked against the sha256; undo removes it',
    args: byHost,
    facts: [absent],
    expect: {
      status: 'change',
      description: `download ${URL_} to ${DEST}`,
      actions: ['fetch'],
      undo: [remove],
      more(change) {
        expect(onlyAction(change, 'fetch')).to.deep.equal({
          kind: 'fetch',
          via: 'host',
          url: URL_,
          dest: DEST,
          expected: { sha256: SUM, from: 'inventory' },
        });
        expect(change.description).not.to.include('through lbprov');
      },
    },
  },
  {
    name: 'absent, via host, no sha256 and none recorded: nothing to check against',
    args: { ...byHost, sha256: '' },
    facts: [absent],
    expect: {
      status: 'change',
      description: 'download',
      actions: ['fetch'],
      undo: [remove],
      more: (change) => expect(onlyAction(change, 'fetch')).not.to.have.property('expected'),
    },
  },
  {
    name: 'no sha256 in the inventory, the recorded tarball present: ok',
    args: { ...byHost, sha256: '' },
    fetched: { [DEST]: SUM },
    facts: [fileWithoutContent(SUM)],
    expect: { status: 'ok', reason: `${DEST} is there with the sha256 recorded when lbprov fetched it` },
  },
  {
    name: 'no sha256 in the inventory, another file where lbprov fetched one: fetched again, expecting the recorded sha256',
    args: { ...byHost, sha256: '' },
    fetched: { [DEST]: SUM },
    facts: [fileWithoutContent(sha('replaced by someone'))],
    expect: {
      status: 'change',
      description: 'again (sha256 differs)',
      actions: ['fetch'],
      undo: [remove],
      more: (change) =>
        expect(onlyAction(change, 'fetch').expected).to.deep.equal({ sha256: SUM, from: 'record' }),
    },
  },
  {
    name: 'a sha256 in the inventory wins over the recorded one (a new tarball, pinned on purpose)',
    args: byHost,
    fetched: { [DEST]: sha('the tarball fetched first') },
    facts: [fileWithoutContent(SUM)],
    expect: { status: 'ok', reason: 'with the wanted sha256' },
  },
  {
    name: 'absent, via control: lbprov downloads and uploads, with the sha256 to check',
    args: byControl,
    facts: [absent],
    expect: {
      status: 'change',
      description: [`download ${URL_} to ${DEST}`, 'through lbprov'],
      actions: ['fetch'],
      undo: [remove],
      more: (change) =>
        expect(onlyAction(change, 'fetch')).to.deep.equal({
          kind: 'fetch',
          via: 'control',
          url: URL_,
          dest: DEST,
          expected: { sha256: SUM, from: 'inventory' },
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
      actions: ['fetch'],
      undo: [remove],
    },
  },
  {
    name: 'via control without sha256: the action expects none',
    args: { ...byControl, sha256: '' },
    facts: [absent],
    expect: {
      status: 'change',
      description: 'through lbprov',
      actions: ['fetch'],
      undo: [remove],
      more: (change) => expect(onlyAction(change, 'fetch')).not.to.have.property('expected'),
    },
  },
  {
    name: 'auto (the default), absent, the host reaches the URL: the host downloads',
    args: { url: URL_, dest: DEST, sha256: SUM },
    facts: [absent, true],
    expect: {
      status: 'change',
      description: `download ${URL_} to ${DEST}`,
      actions: ['fetch'],
      undo: [remove],
      more: (change) => expect(onlyAction(change, 'fetch').via).to.equal('host'),
    },
  },
  {
    name: 'auto, absent, the host cannot reach the URL: lbprov downloads and uploads',
    args: { url: URL_, dest: DEST, sha256: SUM, via: 'auto' },
    facts: [absent, false],
    expect: {
      status: 'change',
      description: ['cannot reach', 'through lbprov'],
      actions: ['fetch'],
      undo: [remove],
      more: (change) => expect(onlyAction(change, 'fetch').via).to.equal('control'),
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
        const stdout = execFileSync('sh', ['-c', script], { stdio: 'pipe' }).toString();
        return { code: 0, stdout, stderr: '' };
      } catch (error) {
        const failed = error as { status: number; stdout: Buffer; stderr: Buffer };
        return { code: failed.status, stdout: failed.stdout.toString(), stderr: failed.stderr.toString() };
      }
    };

    it('the right sha256: the file is at dest, no temp file left, and the script says what it fetched', () => {
      const dest = path.join(dir, 'sub', 'k.tar.gz');
      const result = run(downloadScript(`file://${dir}/source.tar.gz`, dest, SUM));
      expect(result.code).to.equal(0);
      expect(result.stdout).to.equal(`lbprov-sha256=${SUM}\n`);
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
