import { createTwoFilesPatch } from 'diff';
import type { FileState } from '../facts/files.js';
import type { CheckResult, UndoRecord } from './types.js';
import { createHash } from 'node:crypto';

export interface WantedFile {
  path: string;
  content: Buffer;
  mode: number;
  owner: string;
  group: string;
  /** A command run against the staged file before it replaces the old one; `{}` is its path. */
  validate?: string;
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function isText(content: Buffer): boolean {
  return !content.includes(0);
}

/** A unified diff for text; a one-line summary for binary or unread content. */
export function fileDiff(
  path: string,
  before: Buffer | undefined,
  after: Buffer,
  beforeExists: boolean,
): string {
  if ((before === undefined && beforeExists) || (before && !isText(before)) || !isText(after)) {
    return `--- ${path}\n+++ ${path}\n(binary or large file: content replaced, ${after.length} bytes)\n`;
  }
  return createTwoFilesPatch(
    beforeExists ? path : '/dev/null',
    path,
    before?.toString('utf8') ?? '',
    after.toString('utf8'),
    beforeExists ? 'on host' : '',
    'wanted',
  );
}

/** The undo of a write: remove what lbprov created, restore (from its backup) what it replaced. */
export function fileUndo(path: string, state: FileState): UndoRecord {
  return state.exists
    ? { kind: 'restore_file', resource: `file:${path}`, path }
    : { kind: 'remove_file', resource: `file:${path}`, path };
}

/** Compares a file on the host with the wanted one: ok, or a change that writes it atomically. */
export function checkFile(wanted: WantedFile, state: FileState): CheckResult {
  if (state.exists && state.type !== 'file') {
    return {
      status: 'fail',
      reason: `${wanted.path} is a ${state.type}, not a regular file`,
      hint: `move it away by hand if lbprov should manage ${wanted.path}`,
    };
  }
  const differences: string[] = [];
  const contentDiffers = !state.exists || state.sha256 !== sha256(wanted.content);
  if (state.exists) {
    if (contentDiffers) differences.push('content');
    if (state.mode !== wanted.mode) {
      differences.push(
        `mode ${state.mode.toString(8).padStart(4, '0')} -> ${wanted.mode.toString(8).padStart(4, '0')}`,
      );
    }
    if (state.owner !== wanted.owner || state.group !== wanted.group) {
      differences.push(`owner ${state.owner}:${state.group} -> ${wanted.owner}:${wanted.group}`);
    }
  }
  if (state.exists && differences.length === 0)
    return { status: 'ok', reason: `${wanted.path} is up to date` };
  return {
    status: 'change',
    change: {
      description: state.exists
        ? `update ${wanted.path} (${differences.join(', ')})`
        : `create ${wanted.path}`,
      ...(contentDiffers
        ? {
            diff: fileDiff(
              wanted.path,
              state.exists ? state.content : undefined,
              wanted.content,
              state.exists,
            ),
          }
        : {}),
      actions: [{ kind: 'write_file', ...wanted }],
      undo: [fileUndo(wanted.path, state)],
    },
  };
}
