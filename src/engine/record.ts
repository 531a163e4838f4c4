import type { Fact } from '../facts/fact.js';
import type { UndoRecord } from '../steps/types.js';

/** Where lbprov keeps what it did on a host; destroy reads it to undo exactly that. */
export const RECORD_DIR = '/var/lib/lbprov';
export const RECORD_PATH = `${RECORD_DIR}/state.json`;
const BACKUP_DIR = `${RECORD_DIR}/backup`;
/**
 * Uploads wait here until the root script that consumes them runs (keepalived.conf holds the VRRP
 * password): readable by the connecting user and root only, emptied at the start of every run.
 */
export const STAGE_DIR = `${RECORD_DIR}/stage`;

export function backupPathFor(path: string): string {
  return `${BACKUP_DIR}${path}`;
}

export interface HostRecord {
  format: 1;
  /** Undo entries in the order the changes were made; destroy walks them backwards. */
  undo: UndoRecord[];
  /** sha256 of what lbprov last wrote to each file, so destroy can tell if someone changed it since. */
  files: Record<string, string>;
  /**
   * sha256 of each source tarball lbprov fetched, by destination: without a sha256 in the
   * inventory, a later fetch to the same place must bring the same tarball.
   */
  fetched?: Record<string, string>;
  /** What lbprov compiled and installed, by the program's path: verify compares the checksum. */
  builds?: Record<string, BuildRecord>;
  /** Handlers notified but not yet run: a failed run leaves them here for the next one. */
  pending_handlers: string[];
  /** The latest run that changed something; `finished` is absent when it was interrupted. */
  last_run?: { id: string; started: string; finished?: string };
}

export interface BuildRecord {
  subject: string;
  sha256: string;
  /** The host that compiled it (this host, or the one whose build lbprov shipped here). */
  built_on: string;
}

export function emptyRecord(): HostRecord {
  return { format: 1, undo: [], files: {}, pending_handlers: [] };
}

export class RecordFormatError extends Error {}

export const recordFact: Fact<HostRecord | undefined> = {
  key: 'lbprov-record',
  command: `cat ${RECORD_PATH}`,
  parse(output, code) {
    if (code !== 0) return undefined;
    try {
      const parsed = JSON.parse(output) as HostRecord;
      if (parsed.format !== 1 || !Array.isArray(parsed.undo)) throw new Error('unknown format');
      return parsed;
    } catch (error) {
      throw new RecordFormatError(
        `${RECORD_PATH} is not a record lbprov can read (${(error as Error).message}); ` +
          'move it away only if you are sure lbprov changed nothing on this host',
      );
    }
  },
};

/** Adds undo entries; an entry for a resource already recorded is dropped (the first one restores the original). */
export function withUndo(record: HostRecord, entries: UndoRecord[]): HostRecord {
  const known = new Set(record.undo.map((entry) => entry.resource));
  const added = entries.filter((entry) => !known.has(entry.resource));
  return added.length === 0 ? record : { ...record, undo: [...record.undo, ...added] };
}

export function hasResource(record: HostRecord, resource: string): boolean {
  return record.undo.some((entry) => entry.resource === resource);
}
