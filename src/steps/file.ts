import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { fileFact } from '../facts/files.js';
import { absolutePath, accountName, fileMode, parseArgs, secretPattern } from './args.js';
import { checkFile } from './file-change.js';
import type { Module } from './types.js';

const schema = z
  .object({
    path: absolutePath,
    content: z.string(),
    mode: fileMode.default(0o644),
    owner: accountName.default('root'),
    group: accountName.default('root'),
    validate: z.string().optional(),
    redact: secretPattern.optional(),
  })
  .strict();

type FileArgs = z.output<typeof schema>;

/** A whole file with the given content, mode and owner (written atomically; the old one is backed up). */
export const fileModule: Module<FileArgs> = {
  name: 'file',
  parseArgs: (raw) => parseArgs('file', schema, raw),
  facts: (args) => [fileFact(args.path)],
  check(args, facts) {
    return checkFile(
      {
        path: args.path,
        content: Buffer.from(args.content, 'utf8'),
        mode: args.mode,
        owner: args.owner,
        group: args.group,
        ...(args.validate ? { validate: args.validate } : {}),
        ...(args.redact ? { redact: new RegExp(args.redact, 'm') } : {}),
      },
      factValue(facts, fileFact(args.path)),
    );
  },
};
