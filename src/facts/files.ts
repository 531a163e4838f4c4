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
 * Prints `absent <nearest existing ancestor>`: destroy must remove the folders a write or an install
 * creates on the way, and only those.
 */
const ABSENT_WITH_ANCESTOR = (quotedPath: string): string =>
  `d=$(dirname ${quotedPath}); while [ ! -d "$d" ]; do d=$(dirname "$d"); done; echo "absent $d"`;

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

export function fileFact(path: string, options: { content?: boolean } = {}): Fact<FileState> {
  const p = shellQuote(path);
  const withContent = options.content ?? true;
  return {
    key: `file:${path}${withContent ? '' : ':meta'}`,
    command: [
      `if [ -L ${p} ]; then t=symlink; elif [ -f ${p} ]; then t=file; elif [ -d ${p} ]; then t=directory; elif [ -e ${p} ]; then t=other; else ${ABSENT_WITH_ANCESTOR(p)}; exit 0; fi`,
      `echo "$t $(stat -c '%a %U %G %s' ${p})"`,
      `if [ "$t" = file ]; then sha256sum < ${p} | cut -d' ' -f1; else echo -; fi`,
      withContent
        ? `if [ "$t" = file ] && [ "$(stat -c %s ${p})" -le ${CONTENT_LIMIT} ]; then base64 -w0 < ${p}; fi`
        : ':',
    ].join('\n'),
    parse(output) {
      const [meta = '', sha = '', encoded] = output.split('\n');
      const absent = parseAbsent(meta);
      if (absent) return absent;
      const [type = 'other', mode = '0', owner = '', group = '', size = '0'] = meta.split(' ');
      // An empty file and a file too large to read both print no content line: the size tells them apart.
      const read = withContent && type === 'file' && encoded !== undefined && Number(size) <= CONTENT_LIMIT;
      return {
        exists: true,
        type: type === 'file' || type === 'directory' || type === 'symlink' ? type : 'other',
        mode: parseInt(mode, 8),
        owner,
        group,
        sha256: sha.trim(),
        ...(read ? { content: Buffer.from(encoded, 'base64') } : {}),
      };
    },
  };
}

/** Whether a path exists (any type); the cheapest fact, for `creates:` checks. */
export function pathExistsFact(path: string): Fact<boolean> {
  return {
    key: `exists:${path}`,
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
    command: `if [ -e ${p} ] || [ -L ${p} ]; then echo present; else ${ABSENT_WITH_ANCESTOR(p)}; fi`,
    parse: (output) => parseAbsent(output.split('\n')[0] ?? '') ?? { exists: true },
  };
}
