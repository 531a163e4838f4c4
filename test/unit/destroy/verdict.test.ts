import { expect } from 'chai';
import type { FactValues } from '../../../src/facts/fact.js';
import { fileFact, pathExistsFact, type FileState } from '../../../src/facts/files.js';
import { planDestroy, type UndoStep } from '../../../src/engine/destroy-plan.js';
import type { Finding } from '../../../src/engine/destroy-scripts.js';
import { judge, previewFacts, previewFindings } from '../../../src/engine/destroy-verdict.js';
import { backupPathFor, emptyRecord } from '../../../src/engine/record.js';
import type { UndoRecord } from '../../../src/steps/types.js';

const WRITTEN = 'a'.repeat(64);
const CONF = '/etc/keepalived/keepalived.conf';
const SYSCTL = '/etc/sysctl.conf';

function undoStep(entry: UndoRecord, written?: string): Extract<UndoStep, { kind: 'undo' }> {
  const files = written && 'path' in entry ? { [entry.path]: written } : {};
  const [step] = planDestroy({ ...emptyRecord(), undo: [entry], files }, { removePackages: true });
  if (step?.kind !== 'undo') throw new Error('expected an undo step');
  return step;
}

const removeConf = undoStep({ kind: 'remove_file', resource: `file:${CONF}`, path: CONF }, WRITTEN);
const restoreSysctl = undoStep({ kind: 'restore_file', resource: `file:${SYSCTL}`, path: SYSCTL }, WRITTEN);
const restoreUnwritten = undoStep({ kind: 'restore_file', resource: `file:${SYSCTL}`, path: SYSCTL });
const removeFolder = undoStep({ kind: 'remove_dir', resource: 'dir:/etc/rc.d', path: '/etc/rc.d' });
const removePackages = undoStep({
  kind: 'remove_packages',
  resource: 'packages:gcc',
  manager: 'apt',
  packages: ['gcc'],
});

describe('judge: what an undo step came to', () => {
  const cases: {
    title: string;
    step: Extract<UndoStep, { kind: 'undo' }>;
    found: Finding[];
    dryRun?: boolean;
    status: string;
    says?: string;
    warns?: string;
  }[] = [
    { title: 'a plain undo changed the host', step: removeConf, found: [], status: 'changed' },
    { title: 'in a dry run it would', step: removeConf, found: [], dryRun: true, status: 'would_change' },
    {
      title: 'a file already gone is ok',
      step: removeConf,
      found: ['absent'],
      status: 'ok',
      says: 'already gone',
    },
    {
      title: 'packages no longer installed are ok',
      step: removePackages,
      found: ['absent'],
      status: 'ok',
      says: 'none of them is installed',
    },
    {
      title: 'a hand edit is kept and reported with the copy',
      step: restoreSysctl,
      found: ['kept-copy'],
      status: 'changed',
      warns: `${SYSCTL} changed since lbprov wrote it: kept that version at ${SYSCTL}.lbprov-modified-r1 before restoring the original`,
    },
    {
      title: 'a missing backup of a file lbprov wrote fails, and names the backup',
      step: restoreSysctl,
      found: ['backup-missing'],
      status: 'failed',
      says: `the backup of ${SYSCTL} (${backupPathFor(SYSCTL)}) is missing`,
    },
    {
      title: 'a folder someone else put files in is kept, and said so',
      step: removeFolder,
      found: ['not-empty'],
      status: 'ok',
      says: '/etc/rc.d is kept',
      warns: '/etc/rc.d was created by lbprov but now holds other files: kept',
    },
    { title: 'an empty folder is removed', step: removeFolder, found: [], status: 'changed' },
    {
      title: 'no backup and no write: lbprov never replaced the file',
      step: restoreUnwritten,
      found: ['backup-missing'],
      status: 'ok',
      says: 'never replaced',
    },
  ];
  for (const { title, step, found, dryRun, status, says, warns } of cases) {
    it(title, () => {
      const verdict = judge(step, new Set(found), 'r1', dryRun ?? false);
      expect(verdict.status).to.equal(status);
      if (says) expect(`${verdict.reason ?? ''}${verdict.error?.message ?? ''}`).to.include(says);
      expect(verdict.warning).to.equal(warns);
      expect(verdict.retry).to.equal(undefined);
    });
  }
});

describe('previewFindings: what a dry run expects the scripts to find', () => {
  function file(sha256: string): FileState {
    return { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', sha256 };
  }
  function facts(entries: [string, unknown][]): FactValues {
    return new Map(entries);
  }
  const conf = fileFact(CONF, { content: false }).key;
  const sysctl = fileFact(SYSCTL, { content: false }).key;
  const backup = fileFact(backupPathFor(SYSCTL), { content: false }).key;

  it('asks only about files, backups, trees and folders', () => {
    const tree = undoStep({ kind: 'remove_tree', resource: 'tree:/usr/local/x', path: '/usr/local/x' });
    expect(
      previewFacts([removeConf, restoreSysctl, tree, removeFolder, removePackages]).map((fact) => fact.key),
    ).to.deep.equal([
      conf,
      sysctl,
      backup,
      pathExistsFact('/usr/local/x').key,
      pathExistsFact('/etc/rc.d').key,
    ]);
  });

  const cases: {
    title: string;
    step: Extract<UndoStep, { kind: 'undo' }>;
    facts: [string, unknown][];
    found: Finding[];
  }[] = [
    { title: 'unchanged file', step: removeConf, facts: [[conf, file(WRITTEN)]], found: [] },
    {
      title: 'hand-edited file',
      step: removeConf,
      facts: [[conf, file('b'.repeat(64))]],
      found: ['kept-copy'],
    },
    { title: 'file gone', step: removeConf, facts: [[conf, { exists: false }]], found: ['absent'] },
    {
      title: 'a folder still there: it would go (what is in it now may be lbprov’s, removed before)',
      step: removeFolder,
      facts: [[pathExistsFact('/etc/rc.d').key, true]],
      found: [],
    },
    {
      title: 'a folder gone',
      step: removeFolder,
      facts: [[pathExistsFact('/etc/rc.d').key, false]],
      found: ['absent'],
    },
    {
      title: 'backup gone',
      step: restoreSysctl,
      facts: [
        [sysctl, file(WRITTEN)],
        [backup, { exists: false }],
      ],
      found: ['backup-missing'],
    },
    {
      title: 'already the original',
      step: restoreSysctl,
      facts: [
        [sysctl, file('c'.repeat(64))],
        [backup, file('c'.repeat(64))],
      ],
      found: [],
    },
  ];
  for (const { title, step, facts: given, found } of cases) {
    it(title, () => {
      expect(previewFindings(step, facts(given))).to.deep.equal(new Set(found));
    });
  }
});
