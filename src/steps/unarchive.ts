import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { pathExistsFact } from '../facts/files.js';
import { shellQuote } from '../util/shell.js';
import { absolutePath, parseArgs } from './args.js';
import type { Module } from './types.js';

const schema = z
  .object({
    src: absolutePath,
    /** The folder the archive's top folder becomes. */
    dest: absolutePath,
  })
  .strict();

type UnarchiveArgs = z.output<typeof schema>;

/** Unpacks a source tarball into `dest`; a crash mid-way leaves only a temp folder, never a partial `dest`. */
export const unarchiveModule: Module<UnarchiveArgs> = {
  name: 'unarchive',
  parseArgs: (raw) => parseArgs('unarchive', schema, raw),
  facts: (args) => [pathExistsFact(args.dest)],
  check(args, facts) {
    if (factValue(facts, pathExistsFact(args.dest)))
      return { status: 'ok', reason: `${args.dest} is unpacked` };
    const dest = shellQuote(args.dest);
    const tmp = shellQuote(`${args.dest}.lbprov-part`);
    return {
      status: 'change',
      change: {
        description: `unpack ${args.src} into ${args.dest}`,
        actions: [
          {
            kind: 'shell',
            description: `unpack ${args.src}`,
            script: [
              'set -e',
              `rm -rf ${tmp}`,
              `mkdir -p ${tmp}`,
              `tar -xf ${shellQuote(args.src)} -C ${tmp} --strip-components=1 --no-same-owner`,
              `mv ${tmp} ${dest}`,
            ].join('\n'),
          },
        ],
        undo: [{ kind: 'remove_tree', resource: `tree:${args.dest}`, path: args.dest }],
      },
    };
  },
};
