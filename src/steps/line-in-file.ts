import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { fileFact } from '../facts/files.js';
import { absolutePath, fileMode, parseArgs } from './args.js';
import { checkFile } from './file-change.js';
import type { Module } from './types.js';

const schema = z
  .object({
    path: absolutePath,
    /** Lines matching this pattern are the ones the wanted line replaces. */
    regexp: z.string().min(1),
    line: z.string().regex(/^[^\n]*$/, 'must be a single line'),
    create: z.boolean().default(true),
    mode: fileMode.default(0o644),
  })
  .strict();

type LineArgs = z.output<typeof schema>;

/**
 * The last line matching `regexp` becomes `line` (as Ansible's lineinfile does, since with
 * duplicated settings the last one usually wins); without a match, `line` is appended.
 */
export function withLine(text: string, regexp: RegExp, line: string): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  let last = -1;
  lines.forEach((candidate, index) => {
    if (regexp.test(candidate)) last = index;
  });
  if (last >= 0) lines[last] = line;
  else lines.push(line);
  return `${lines.join('\n')}\n`;
}

export const lineInFileModule: Module<LineArgs> = {
  name: 'line_in_file',
  parseArgs: (raw) => parseArgs('line_in_file', schema, raw),
  facts: (args) => [fileFact(args.path)],
  check(args, facts) {
    const state = factValue(facts, fileFact(args.path));
    if (!state.exists && !args.create) {
      return { status: 'fail', reason: `${args.path} does not exist`, hint: `create ${args.path} first` };
    }
    if (state.exists && state.type === 'file' && state.content === undefined) {
      return {
        status: 'fail',
        reason: `${args.path} is too large to edit line by line`,
        hint: 'edit it by hand',
      };
    }
    const before = state.exists ? (state.content?.toString('utf8') ?? '') : '';
    const after = withLine(before, new RegExp(args.regexp), args.line);
    return checkFile(
      {
        path: args.path,
        content: Buffer.from(after, 'utf8'),
        mode: state.exists ? state.mode : args.mode,
        owner: state.exists ? state.owner : 'root',
        group: state.exists ? state.group : 'root',
      },
      state,
    );
  },
};
