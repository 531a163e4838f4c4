import { shellQuote } from '../util/shell.js';
import type { Fact } from './fact.js';

export type FileState =
  | { exists: false }
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

/** Files above this size are compared by hash only (no diff is shown for them). */
const CONTENT_LIMIT = 1024 * 1024;

export function fileFact(path: string, options: { content?: boolean } = {}): Fact<FileState> {
  const p = shellQuote(path);
  const withContent = options.content ?? true;
  return {
    key: `file:${path}${withContent ? '' : ':meta'}`,
    command: [
      `if [ -L ${p} ]; then t=symlink; elif [ -f ${p} ]; then t=file; elif [ -d ${p} ]; then t=directory; elif [ -e ${p} ]; then t=other; else echo absent; exit 0; fi`,
      `echo "$t $(stat -c '%a %U %G %s' ${p})"`,
      `if [ "$t" = file ]; then sha256sum < ${p} | cut -d' ' -f1; else echo -; fi`,
      withContent
        ? `if [ "$t" = file ] && [ "$(stat -c %s ${p})" -le ${CONTENT_LIMIT} ]; then base64 -w0 < ${p}; fi`
        : ':',
    ].join('\n'),
    parse(output) {
      const [meta = '', sha = '', encoded] = output.split('\n');
      if (meta.trim() === 'absent') return { exists: false };
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

/** Whether a path exists (any type); the cheapest fact, for `creates:` and install checks. */
export function pathExistsFact(path: string): Fact<boolean> {
  return {
    key: `exists:${path}`,
    command: `test -e ${shellQuote(path)}`,
    parse: (_output, code) => code === 0,
  };
}
