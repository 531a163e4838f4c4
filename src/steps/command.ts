import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { pathExistsFact } from '../facts/files.js';
import { commandFact } from '../facts/system.js';
import { absolutePath, parseArgs } from './args.js';
import type { Fact } from '../facts/fact.js';
import type { Module } from './types.js';

const schema = z
  .object({
    run: z.string().min(1),
    description: z.string().min(1),
    /** Skip when this path exists (the command's own result). */
    creates: absolutePath.optional(),
    /** Skip when this read-only command succeeds. */
    unless: z.string().min(1).optional(),
    /** What destroy runs to take the command back. */
    undo: z.string().min(1).optional(),
  })
  .strict()
  .refine((args) => args.creates !== undefined || args.unless !== undefined, {
    message: 'a command needs `creates` or `unless`, or it would run on every apply',
  });

type CommandArgs = z.output<typeof schema>;

export const commandModule: Module<CommandArgs> = {
  name: 'command',
  parseArgs: (raw) => parseArgs('command', schema, raw),
  facts(args) {
    const facts: Fact<unknown>[] = [];
    if (args.creates) facts.push(pathExistsFact(args.creates));
    if (args.unless) facts.push(commandFact(args.unless));
    return facts;
  },
  check(args, facts) {
    if (args.creates && factValue(facts, pathExistsFact(args.creates))) {
      return { status: 'ok', reason: `${args.creates} exists` };
    }
    if (args.unless && factValue(facts, commandFact(args.unless)).code === 0) {
      return { status: 'ok', reason: `\`${args.unless}\` succeeds` };
    }
    return {
      status: 'change',
      change: {
        description: args.description,
        actions: [{ kind: 'shell', description: args.description, script: args.run }],
        undo: args.undo
          ? [
              {
                kind: 'shell',
                resource: `command:${args.run}`,
                description: `undo: ${args.description}`,
                script: args.undo,
              },
            ]
          : [],
      },
    };
  },
};
