import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { fileFact, pathExistsFact } from '../facts/files.js';
import { absolutePath, fileMode, parseArgs, secretPattern } from './args.js';
import { checkFile } from './file-change.js';
import type { Module } from './types.js';

const schema = z
  .object({
    path: absolutePath,
    /** Lines matching this pattern are the ones the wanted line replaces (or, absent, that go). */
    regexp: z.string().min(1),
    line: z
      .string()
      .regex(/^[^\n]*$/, 'must be a single line')
      .optional(),
    /** absent: every matching line is removed; a missing file has none to remove. */
    state: z.enum(['present', 'absent']).default('present'),
    create: z.boolean().default(true),
    mode: fileMode.default(0o644),
    redact: secretPattern.optional(),
    /**
     * While this path exists the line is left as it is, for the reason given: from then on another
     * program keeps it (Sentinel rewrites a replica's replicaof after a failover).
     */
    unless_exists: z
      .object({ path: absolutePath, reason: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((args) => args.state === 'absent' || args.line !== undefined, {
    message: 'is required unless state is absent',
    path: ['line'],
  });

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

/** Every line matching `regexp` removed; the text is returned as it was when none matches. */
export function withoutLines(text: string, regexp: RegExp): string {
  const lines = text.split('\n');
  const kept = lines.filter((candidate) => !regexp.test(candidate));
  return kept.length === lines.length ? text : kept.join('\n');
}

export const lineInFileModule: Module<LineArgs> = {
  name: 'line_in_file',
  parseArgs: (raw) => parseArgs('line_in_file', schema, raw),
  facts: (args) => [
    fileFact(args.path),
    ...(args.unless_exists ? [pathExistsFact(args.unless_exists.path)] : []),
  ],
  check(args, facts) {
    if (args.unless_exists && factValue(facts, pathExistsFact(args.unless_exists.path))) {
      return { status: 'ok', reason: `${args.unless_exists.path} exists: ${args.unless_exists.reason}` };
    }
    const state = factValue(facts, fileFact(args.path));
    const absent = args.state === 'absent';
    if (!state.exists && absent) {
      return { status: 'skip', reason: `${args.path} does not exist, so it holds no line to remove` };
    }
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
    const regexp = new RegExp(args.regexp);
    const after = absent ? withoutLines(before, regexp) : withLine(before, regexp, args.line ?? '');
    return checkFile(
      {
        path: args.path,
        content: Buffer.from(after, 'utf8'),
        mode: state.exists ? state.mode : args.mode,
        owner: state.exists ? state.owner : 'root',
        group: state.exists ? state.group : 'root',
        ...(args.redact ? { redact: new RegExp(args.redact, 'm') } : {}),
      },
      state,
    );
  },
};
