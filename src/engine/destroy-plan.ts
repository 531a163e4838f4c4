import type { UndoRecord } from '../steps/types.js';
import { LOCK_PATH } from './lock.js';
import { backupPathFor, RECORD_DIR, type HostRecord } from './record.js';

/** The last step of every destroy: what is left of lbprov on the host once its changes are undone. */
export const FORGET_STEP_ID = 'forget-record';

/**
 * One thing destroy does on a host, planned from the record alone (pure, so it is table-tested):
 * - undo: run the entry's undo;
 * - keep: leave what the entry made (packages, unless asked to remove them) and forget it;
 * - refuse: the entry is unsafe to follow (a path such as `/`); report it, touch nothing;
 * - forget: remove the record, its folder (backups included) and the lock files.
 */
export type UndoStep =
  | { kind: 'undo'; id: string; name: string; description: string; entry: UndoRecord; writtenSha?: string }
  | { kind: 'keep'; id: string; name: string; reason: string; entry: UndoRecord }
  | { kind: 'refuse'; id: string; name: string; reason: string; entry: UndoRecord }
  | { kind: 'forget'; id: string; name: string; description: string };

export interface DestroyOptions {
  /** Remove the packages lbprov installed (they may serve other software since). */
  removePackages: boolean;
}

/**
 * Paths destroy deletes or overwrites must be absolute, normalised and at least two levels deep:
 * the record is only root-writable, but a damaged one must never turn into `rm -rf /usr`.
 */
export function unsafePathReason(path: string): string | undefined {
  if (!path.startsWith('/')) return 'it is not an absolute path';
  if (/[\n\0]/.test(path)) return 'it contains a newline or NUL';
  const parts = path.split('/').slice(1);
  if (parts.some((part) => part === '' || part === '.' || part === '..'))
    return 'it is not a normalised path (empty, `.` or `..` parts)';
  if (parts.length < 2) return 'it is a top-level folder';
  return undefined;
}

/** The path an undo entry removes or restores; undefined for scripts and packages. */
export function pathOf(entry: UndoRecord): string | undefined {
  return entry.kind === 'shell' || entry.kind === 'remove_packages' ? undefined : entry.path;
}

function nameOf(entry: UndoRecord): string {
  switch (entry.kind) {
    case 'remove_file':
    case 'remove_tree':
      return `Remove ${entry.path}`;
    case 'restore_file':
    case 'restore_path':
      return `Restore ${entry.path}`;
    case 'remove_dir':
      return `Remove folder ${entry.path}`;
    case 'shell':
      return entry.description.charAt(0).toUpperCase() + entry.description.slice(1);
    case 'remove_packages':
      return `Remove packages ${entry.packages.join(' ')}`;
  }
}

/** A recorded script's first line, for a one-line description (the whole script is in errors). */
function firstLine(script: string): string {
  const line = script.split('\n')[0] ?? '';
  return line.length > 100 || script.includes('\n') ? `${line.slice(0, 100)} ...` : line;
}

/** How the step undoes the entry: the name says what, this says how. */
function descriptionOf(entry: UndoRecord): string {
  switch (entry.kind) {
    case 'remove_file':
      return `rm ${entry.path} (lbprov created it)`;
    case 'restore_file':
      return `copy back ${backupPathFor(entry.path)}, the original lbprov saved before it first changed the file`;
    case 'remove_tree':
      return `rm -rf ${entry.path} (lbprov created it)`;
    case 'restore_path':
      return `put back ${backupPathFor(entry.path)}, the copy lbprov kept before a build first overwrote it`;
    case 'remove_dir':
      return `rmdir ${entry.path} (lbprov created it; kept if anything else is in it)`;
    case 'shell':
      return firstLine(entry.script);
    case 'remove_packages':
      return `${entry.manager} purge them, then the dependencies installed with them that nothing needs`;
  }
}

function planEntry(entry: UndoRecord, record: HostRecord, options: DestroyOptions): UndoStep {
  const base = { id: entry.resource, name: nameOf(entry), entry };
  const path = pathOf(entry);
  const unsafe = path === undefined ? undefined : unsafePathReason(path);
  if (unsafe) {
    return {
      ...base,
      kind: 'refuse',
      reason: `the record asks to change ${JSON.stringify(path)}, but ${unsafe}: lbprov did not write that; the record looks damaged`,
    };
  }
  if (entry.kind === 'remove_packages' && !options.removePackages) {
    return {
      ...base,
      kind: 'keep',
      reason:
        'kept: other software may use them now (to remove them, set destroy.remove_packages: true in the inventory or pass --remove-packages; this destroy forgets them)',
    };
  }
  const writtenSha =
    path === undefined ||
    entry.kind === 'remove_tree' ||
    entry.kind === 'remove_dir' ||
    entry.kind === 'restore_path'
      ? undefined
      : record.files[path];
  return {
    ...base,
    kind: 'undo',
    description: descriptionOf(entry),
    ...(writtenSha ? { writtenSha } : {}),
  };
}

/** The record's undo entries, newest first (the reverse of the order the changes were made), then forget. */
export function planDestroy(record: HostRecord, options: DestroyOptions): UndoStep[] {
  return [
    ...[...record.undo].reverse().map((entry) => planEntry(entry, record, options)),
    {
      kind: 'forget',
      id: FORGET_STEP_ID,
      name: "Remove lbprov's record and lock files",
      description: `rm -rf ${RECORD_DIR} (the record and the backups); rm ${LOCK_PATH}`,
    },
  ];
}

/** The record once `step` is done: its entry gone, and the hash of a file it removed or restored. */
export function withoutStep(record: HostRecord, step: UndoStep): HostRecord {
  if (step.kind === 'forget') return record;
  const path = pathOf(step.entry);
  const files = { ...record.files };
  if (path !== undefined) delete files[path];
  return {
    ...record,
    undo: record.undo.filter((entry) => entry.resource !== step.entry.resource),
    files,
  };
}
