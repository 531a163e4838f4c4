import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { fileFact, type FileState } from '../facts/files.js';
import { absolutePath, accountName, fileMode, parseArgs, secretPattern } from './args.js';
import { checkFile, fileUndo, sha256 } from './file-change.js';
import { shellQuote } from '../util/shell.js';
import type { CheckResult, Module, UndoRecord } from './types.js';

const schema = z
  .object({
    path: absolutePath,
    content: z.string(),
    mode: fileMode.default(0o644),
    owner: accountName.default('root'),
    group: accountName.default('root'),
    validate: z.string().optional(),
    redact: secretPattern.optional(),
    /**
     * The file is a seed its program rewrites (Redis Sentinel): lbprov writes it when absent or
     * when `content` differs from what lbprov wrote last, whose sha256 it keeps at `record`.
     */
    seed: z
      .object({ record: absolutePath, rewritten_by: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();

type FileArgs = z.output<typeof schema>;

/** The sha256 a seed record holds (its one line of 64 hex digits), if any. */
function recordedSha(record: FileState): string | undefined {
  if (!record.exists || record.content === undefined) return undefined;
  return /^[0-9a-f]{64}$/m.exec(record.content.toString('utf8'))?.[0];
}

/**
 * The program rewrites a seed file as a matter of course, so destroy removes it as it is: its
 * remove_file would keep a copy of every file that changed since lbprov wrote it (for Sentinel,
 * always, and the copy would hold auth-pass). A file that was there before is still restored.
 */
function handedOver(undo: UndoRecord): UndoRecord {
  if (undo.kind !== 'remove_file') return undo;
  return {
    kind: 'shell',
    resource: undo.resource,
    description: `remove ${undo.path}`,
    script: `rm -f ${shellQuote(undo.path)}`,
  };
}

/** The file the arguments ask for, as the shared file check takes it. */
function wantedFile(args: FileArgs): Parameters<typeof checkFile>[0] {
  return {
    path: args.path,
    content: Buffer.from(args.content, 'utf8'),
    mode: args.mode,
    owner: args.owner,
    group: args.group,
    ...(args.validate ? { validate: args.validate } : {}),
    ...(args.redact ? { redact: new RegExp(args.redact, 'm') } : {}),
  };
}

/**
 * A seed file: once written, its program's rewrites stand until the wanted content changes; then
 * it is written whole again (what the program learnt since goes: the inventory asked for another
 * start), and so is the record of what was written.
 */
function checkSeed(
  args: FileArgs & { seed: NonNullable<FileArgs['seed']> },
  state: FileState,
  record: FileState,
): CheckResult {
  const wantedSha = sha256(Buffer.from(args.content, 'utf8'));
  const recorded = recordedSha(record);
  if (state.exists && recorded === wantedSha) {
    return {
      status: 'ok',
      reason: `${args.path} is as lbprov wrote it for these settings, or as ${args.seed.rewritten_by} rewrote it since (lbprov leaves its rewrites alone)`,
    };
  }
  const written = checkFile(wantedFile(args), state);
  const recordContent = Buffer.from(
    `# sha256 of what lbprov last wrote to ${args.path}; it writes the file again only when that changes.\n${wantedSha}\n`,
    'utf8',
  );
  const why = !state.exists
    ? `create ${args.path}`
    : recorded === undefined
      ? `write ${args.path} (lbprov has no record of writing it)`
      : `write ${args.path} again: the inventory changed what it asks for (${args.seed.rewritten_by}'s rewrites are replaced)`;
  const diff = written.status === 'change' ? written.change.diff : undefined;
  return {
    status: 'change',
    change: {
      description: why,
      ...(diff === undefined ? {} : { diff }),
      actions: [
        ...(written.status === 'change' ? written.change.actions : []),
        {
          kind: 'write_file',
          path: args.seed.record,
          content: recordContent,
          mode: 0o644,
          owner: 'root',
          group: 'root',
        },
      ],
      undo: [...fileUndo(args.path, state).map(handedOver), ...fileUndo(args.seed.record, record)],
    },
  };
}

/** A whole file with the given content, mode and owner (written atomically; the old one is backed up). */
export const fileModule: Module<FileArgs> = {
  name: 'file',
  parseArgs: (raw) => parseArgs('file', schema, raw),
  facts: (args) => [fileFact(args.path), ...(args.seed ? [fileFact(args.seed.record)] : [])],
  check(args, facts) {
    const state = factValue(facts, fileFact(args.path));
    if (args.seed)
      return checkSeed({ ...args, seed: args.seed }, state, factValue(facts, fileFact(args.seed.record)));
    return checkFile(wantedFile(args), state);
  },
};
