import type { Fact, FactValues } from '../facts/fact.js';
import { factValue } from '../facts/fact.js';
import { fileFact, pathExistsFact } from '../facts/files.js';
import { pathOf, type UndoStep } from './destroy-plan.js';
import { modifiedCopyPath, type Finding } from './destroy-scripts.js';
import type { StepError, StepStatus } from './events.js';
import { backupPathFor } from './record.js';

/** What a step came to, for its event; `warning` is reported as its own event, naming the file. */
export interface Verdict {
  status: StepStatus;
  reason?: string;
  error?: StepError;
  warning?: string;
  /** The undo itself failed: its entry stays in the record, so the next destroy tries it again. */
  retry?: boolean;
}

type Doing = Extract<UndoStep, { kind: 'undo' }>;

/**
 * The verdict on an undo step from what its script (or, for --dry-run, the probe) found.
 * A missing backup is reported, never guessed around: the file is left as it is.
 */
export function judge(step: Doing, findings: ReadonlySet<Finding>, runId: string, dryRun: boolean): Verdict {
  const done: StepStatus = dryRun ? 'would_change' : 'changed';
  const path = pathOf(step.entry) ?? '';
  if (findings.has('backup-missing')) {
    if (!step.writtenSha) {
      // The backup is taken in the same script that replaces the file, right before: without
      // either, lbprov's write never happened and the file is still the original.
      return { status: 'ok', reason: `lbprov never replaced ${path} (its write did not complete)` };
    }
    return {
      status: 'failed',
      error: {
        message: `the backup of ${path} (${backupPathFor(path)}) is missing: lbprov cannot know what the file held before, so it leaves it as it is`,
        hint: `put the original ${path} back by hand (from its package, your configuration management or a backup); destroy forgets this entry and goes on`,
      },
    };
  }
  if (findings.has('absent')) {
    return {
      status: 'ok',
      reason:
        step.entry.kind === 'remove_packages'
          ? 'none of them is installed any more'
          : `${path} is already gone`,
    };
  }
  if (findings.has('not-empty')) {
    return {
      status: 'ok',
      reason: `${path} is kept: it holds what lbprov did not put there`,
      warning: `${path} was created by lbprov but now holds other files: kept`,
    };
  }
  if (findings.has('kept-copy')) {
    const what = step.entry.kind === 'restore_file' ? 'restoring the original' : 'removing it';
    return {
      status: done,
      warning: `${path} changed since lbprov wrote it: ${dryRun ? 'destroy will keep' : 'kept'} that version at ${modifiedCopyPath(path, runId)} before ${what}`,
    };
  }
  return { status: done };
}

/** For --dry-run: the read-only facts that tell what each undo step's script would find. */
export function previewFacts(steps: UndoStep[]): Fact<unknown>[] {
  return steps.flatMap((step): Fact<unknown>[] => {
    if (step.kind !== 'undo') return [];
    const entry = step.entry;
    switch (entry.kind) {
      case 'remove_file':
        return [fileFact(entry.path, { content: false })];
      case 'restore_file':
        return [
          fileFact(entry.path, { content: false }),
          fileFact(backupPathFor(entry.path), { content: false }),
        ];
      case 'remove_tree':
      case 'remove_dir':
        return [pathExistsFact(entry.path)];
      case 'restore_path':
        return [pathExistsFact(backupPathFor(entry.path))];
      default:
        return [];
    }
  });
}

/** What the step's script would find, read from the preview facts (shell undos and packages: nothing). */
export function previewFindings(step: Doing, facts: FactValues): Set<Finding> {
  const entry = step.entry;
  const found = new Set<Finding>();
  // A folder is judged when destroy reaches it: what is in it now may be lbprov's, removed first.
  if (entry.kind === 'remove_tree' || entry.kind === 'remove_dir') {
    if (!factValue(facts, pathExistsFact(entry.path))) found.add('absent');
    return found;
  }
  if (entry.kind === 'restore_path') {
    if (!factValue(facts, pathExistsFact(backupPathFor(entry.path)))) found.add('backup-missing');
    return found;
  }
  if (entry.kind !== 'remove_file' && entry.kind !== 'restore_file') return found;
  const backup =
    entry.kind === 'restore_file'
      ? factValue(facts, fileFact(backupPathFor(entry.path), { content: false }))
      : undefined;
  if (backup && !backup.exists) {
    found.add('backup-missing');
    return found;
  }
  const state = factValue(facts, fileFact(entry.path, { content: false }));
  if (!state.exists && entry.kind === 'remove_file') found.add('absent');
  const isOriginal = backup?.exists && state.exists && backup.sha256 === state.sha256;
  if (
    state.exists &&
    state.type === 'file' &&
    step.writtenSha &&
    state.sha256 !== step.writtenSha &&
    !isOriginal
  )
    found.add('kept-copy');
  return found;
}
