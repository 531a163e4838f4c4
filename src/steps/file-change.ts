import { createRequire } from 'node:module';
import { foldersCreatedFor, type FileState } from '../facts/files.js';
import type { Action, CheckResult, UndoRecord } from './types.js';
import { createHash } from 'node:crypto';
import { MASK } from '../util/mask.js';

/** A file as a step wants it: what the write action writes, and what its diffs must mask. */
export interface WantedFile extends Omit<Extract<Action, { kind: 'write_file' }>, 'kind'> {
  /** Secrets in the file, for diffs: the first capture group of each match is masked. */
  redact?: RegExp;
}

/**
 * The diff library, loaded the first time a diff is made: a converged host shows none, and every
 * command loads this module (~10 ms of start-up saved where no file changes).
 */
let diffLibrary: typeof import('diff') | undefined;
function createTwoFilesPatch(...args: Parameters<typeof import('diff').createTwoFilesPatch>): string {
  diffLibrary ??= createRequire(import.meta.url)('diff') as typeof import('diff');
  return diffLibrary.createTwoFilesPatch(...args);
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function isText(content: Buffer): boolean {
  return !content.includes(0);
}

/** A unified diff for text; a one-line summary for binary or unread content. */
/**
 * Hides the first capture group of every match (e.g. `auth_pass\s+(\S+)`): the run's masker knows
 * the new secret, but the old one, still on the host, would show in a diff's removed lines. A
 * secret that changes stays visible as a change: the new side says so.
 */
function redactedPair(before: string, after: string, redact: RegExp | undefined): [string, string] {
  if (!redact) return [before, after];
  const global = new RegExp(redact.source, redact.flags.includes('g') ? redact.flags : `${redact.flags}g`);
  const secrets = (text: string): string[] => [...text.matchAll(global)].map((match) => match[1] ?? '');
  const changed = secrets(before).join('\n') !== secrets(after).join('\n');
  const hide = (text: string, mask: string): string =>
    text.replace(global, (match: string, secret: string | undefined) =>
      secret ? match.replace(secret, mask) : match,
    );
  return [hide(before, MASK), hide(after, changed ? `${MASK} (changed)` : MASK)];
}

export function fileDiff(
  path: string,
  before: Buffer | undefined,
  after: Buffer,
  beforeExists: boolean,
  redact?: RegExp,
): string {
  if ((before === undefined && beforeExists) || (before && !isText(before)) || !isText(after)) {
    return `--- ${path}\n+++ ${path}\n(binary or large file: content replaced, ${after.length} bytes)\n`;
  }
  const [shownBefore, shownAfter] = redactedPair(
    before?.toString('utf8') ?? '',
    after.toString('utf8'),
    redact,
  );
  return createTwoFilesPatch(
    beforeExists ? path : '/dev/null',
    path,
    shownBefore,
    shownAfter,
    beforeExists ? 'on host' : '',
    'wanted',
  );
}

/**
 * The undo of a write: restore (from its backup) what it replaced; or remove what it created, with
 * the folders the atomic write made for it (listed first: destroy undoes newest first).
 */
export function fileUndo(path: string, state: FileState): UndoRecord[] {
  if (state.exists) return [{ kind: 'restore_file', resource: `file:${path}`, path }];
  return [
    ...createdFoldersUndo(foldersCreatedFor(path, state.existingAncestor)),
    { kind: 'remove_file', resource: `file:${path}`, path },
  ];
}

/** Folders a change creates, to be removed by destroy once they are empty. */
export function createdFoldersUndo(folders: string[]): UndoRecord[] {
  return folders.map((folder) => ({ kind: 'remove_dir', resource: `dir:${folder}`, path: folder }));
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
              wanted.redact,
            ),
          }
        : {}),
      actions: [
        {
          kind: 'write_file',
          path: wanted.path,
          content: wanted.content,
          mode: wanted.mode,
          owner: wanted.owner,
          group: wanted.group,
          ...(wanted.validate ? { validate: wanted.validate } : {}),
        },
      ],
      undo: fileUndo(wanted.path, state),
    },
  };
}
