import { createHash } from 'node:crypto';
import { shellQuote } from '../util/shell.js';
import type { Fact } from './fact.js';

export type FileState =
  /** `existingAncestor`: the nearest folder above that exists (what creating the path starts from). */
  | { exists: false; existingAncestor?: string }
  | {
      exists: true;
      type: 'file' | 'directory' | 'symlink' | 'other';
      mode: number;
      owner: string;
      group: string;
      sha256: string;
      /** Present for regular files read with content; absent for large files or directories. */
      content?: Buffer;
    };

/**
 * The folders `dirname` would walk up from `path`, nearest first, ending with `/` (or `.` for a
 * relative path), which always exist: POSIX dirname(1), computed here so the host forks nothing.
 */
export function ancestorsOf(path: string): string[] {
  const ancestors: string[] = [];
  let current = path;
  for (;;) {
    current = dirname(current);
    ancestors.push(current);
    if (current === '/' || current === '.') return ancestors;
  }
}

/** dirname(1): trailing slashes dropped, then the last component and the slashes before it. */
function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path === '' ? '.' : '/';
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return '.';
  return trimmed.slice(0, slash).replace(/\/+$/, '') || '/';
}

/**
 * Prints `absent <nearest existing ancestor>`: destroy must remove the folders a write or an install
 * creates on the way, and only those. The ancestors are listed in the script: shell builtins only.
 */
const ABSENT_WITH_ANCESTOR = (path: string): string =>
  `for lbp_d in ${ancestorsOf(path).map(shellQuote).join(' ')}; do if [ -d "$lbp_d" ]; then break; fi; done; echo "absent $lbp_d"`;

function parseAbsent(line: string): { exists: false; existingAncestor?: string } | undefined {
  if (line.trim() === 'absent') return { exists: false };
  if (!line.startsWith('absent /')) return undefined;
  return { exists: false, existingAncestor: line.slice('absent '.length) };
}

/**
 * The folders between `existingAncestor` and `path` that creating `path` creates, outermost first
 * (the order they are made in; destroy goes the other way).
 */
export function foldersCreatedFor(path: string, existingAncestor: string | undefined): string[] {
  if (existingAncestor === undefined) return [];
  const base = existingAncestor === '/' ? '' : existingAncestor;
  if (!path.startsWith(`${base}/`)) return [];
  const parts = path
    .slice(base.length + 1)
    .split('/')
    .slice(0, -1);
  return parts.map((_, index) => `${base}/${parts.slice(0, index + 1).join('/')}`);
}

/** Files above this size are compared by hash only (no diff is shown for them). */
const CONTENT_LIMIT = 1024 * 1024;

const fileFacts = new Map<string, Fact<FileState>>();

/**
 * What a path is, its mode and owner, and a regular file's sha256 and content. The host prints, per
 * path: `<type> <mode> <owner> <group> <size>`, then a second line, then the content:
 * - `-` for anything but a regular file;
 * - an empty line, then the file's content in base64, for a file read with content (up to
 *   CONTENT_LIMIT): lbprov hashes it, so the host runs no sha256sum for it;
 * - sha256sum's answer for a file read without content (`{ content: false }`, or a large file):
 *   compared by hash only.
 * One `stat` and at most one more command per file; nothing forks for a missing path.
 */
export function fileFact(path: string, options: { content?: boolean } = {}): Fact<FileState> {
  const withContent = options.content ?? true;
  const key = `file:${path}${withContent ? '' : ':meta'}`;
  // Steps ask for the same fact again as they plan and check, host after host: one object per key.
  let fact = fileFacts.get(key);
  if (!fact) {
    fact = newFileFact(key, path, withContent);
    fileFacts.set(key, fact);
  }
  return fact;
}

function newFileFact(key: string, path: string, withContent: boolean): Fact<FileState> {
  const p = shellQuote(path);
  const hashOrContent = withContent
    ? `elif [ "\${lbp_m##* }" -le ${CONTENT_LIMIT} ] 2>/dev/null; then echo; base64 -w0 < ${p}; else sha256sum < ${p}; fi`
    : `else sha256sum < ${p}; fi`;
  return {
    key,
    inline: true,
    command: [
      `if [ -L ${p} ]; then lbp_t=symlink; elif [ -f ${p} ]; then lbp_t=file; elif [ -d ${p} ]; then lbp_t=directory; elif [ -e ${p} ]; then lbp_t=other; else lbp_t=; fi`,
      `if [ -z "$lbp_t" ]; then ${ABSENT_WITH_ANCESTOR(path)}; else`,
      `lbp_m=$(stat -c '%a %U %G %s' ${p})`,
      'echo "$lbp_t $lbp_m"',
      `if [ "$lbp_t" != file ]; then echo -; ${hashOrContent}`,
      'fi',
    ].join('\n'),
    parse(output, code) {
      const [meta = '', second = '', encoded] = output.split('\n');
      const absent = parseAbsent(meta);
      if (absent) return absent;
      const [type = 'other', mode = '0', owner = '', group = '', size = '0'] = meta.split(' ');
      // sha256sum prints `<hash>  -`; an empty line means the content follows, to be hashed here.
      const hostSha = second.trim().split(/\s+/)[0] ?? '';
      // An empty file and a file too large to read both print no content: the size tells them apart.
      const read = withContent && type === 'file' && encoded !== undefined && Number(size) <= CONTENT_LIMIT;
      // Content to hash here that could not be read (base64 failed): unknown, as an unreadable file
      // was before (no sha256, no content), never the hash of an empty file.
      const unreadable = read && hostSha === '' && code !== 0;
      const content = read && !unreadable ? Buffer.from(encoded, 'base64') : undefined;
      return {
        exists: true,
        type: type === 'file' || type === 'directory' || type === 'symlink' ? type : 'other',
        mode: parseInt(mode, 8),
        owner,
        group,
        sha256: hostSha !== '' || !content ? hostSha : createHash('sha256').update(content).digest('hex'),
        ...(content ? { content } : {}),
      };
    },
  };
}

/** Whether a path exists (any type); the cheapest fact, for `creates:` checks. */
export function pathExistsFact(path: string): Fact<boolean> {
  return {
    key: `exists:${path}`,
    inline: true,
    command: `test -e ${shellQuote(path)}`,
    parse: (_output, code) => code === 0,
  };
}

export type PathPresence = { exists: true } | { exists: false; existingAncestor?: string };

/** Whether a path exists and, if not, where creating it would start: for what `make install` adds. */
export function pathPresenceFact(path: string): Fact<PathPresence> {
  const p = shellQuote(path);
  return {
    key: `presence:${path}`,
    inline: true,
    command: `if [ -e ${p} ] || [ -L ${p} ]; then echo present; else ${ABSENT_WITH_ANCESTOR(path)}; fi`,
    parse: (output) => parseAbsent(output.split('\n')[0] ?? '') ?? { exists: true },
  };
}
