import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { pathExistsFact } from '../facts/files.js';
import { commandFact } from '../facts/system.js';
import { shellQuote } from '../util/shell.js';
import { absolutePath, parseArgs } from './args.js';
import type { Action, Module } from './types.js';

const schema = z
  .object({
    /** What is built, for messages: "keepalived 2.2.7". */
    what: z.string().min(1),
    dir: absolutePath,
    commands: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9-]+$/),
            run: z.string().min(1),
            /** An extended regular expression the command's output must match, or the build is refused. */
            require_output: z.string().optional(),
            /** Said when require_output is not met. */
            refusal: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
    /** Skip the build when this read-only command's output matches `expect`. */
    installed: z.object({ command: z.string().min(1), expect: z.string().min(1) }).strict(),
    /** Paths `make install` creates: destroy removes those that were not there before. */
    installs: z.array(absolutePath).default([]),
  })
  .strict();

type BuildArgs = z.output<typeof schema>;

/**
 * configure / make / make install, skipped when the installed result already matches. Each command's
 * output goes to a log beside the sources, and its tail is shown when it fails.
 */
export const buildModule: Module<BuildArgs> = {
  name: 'build',
  parseArgs: (raw) => parseArgs('build', schema, raw),
  facts: (args) => [commandFact(args.installed.command), ...args.installs.map(pathExistsFact)],
  check(args, facts) {
    const installed = factValue(facts, commandFact(args.installed.command));
    if (new RegExp(args.installed.expect, 'm').test(installed.output)) {
      return { status: 'ok', reason: `${args.what} is installed` };
    }
    const actions: Action[] = args.commands.map((command) => {
      const log = shellQuote(`${args.dir}/lbprov-${command.name}.log`);
      const lines = [
        `cd ${shellQuote(args.dir)}`,
        `if ! ( ${command.run} ) > ${log} 2>&1; then tail -n 40 ${log}; echo "${command.name} failed; full log: ${args.dir}/lbprov-${command.name}.log" >&2; exit 1; fi`,
      ];
      if (command.require_output) {
        lines.push(
          `if ! grep -Eq ${shellQuote(command.require_output)} ${log}; then tail -n 40 ${log}; echo ${shellQuote(command.refusal ?? `${command.name} output does not match ${command.require_output}`)} >&2; exit 1; fi`,
        );
      }
      return { kind: 'shell', description: `${args.what}: ${command.name}`, script: lines.join('\n') };
    });
    const created = args.installs.filter((path) => !factValue(facts, pathExistsFact(path)));
    return {
      status: 'change',
      change: {
        description: `build and install ${args.what} (${args.commands.map((c) => c.name).join(', ')})`,
        actions,
        undo: created.map((path) => ({ kind: 'remove_tree', resource: `tree:${path}`, path })),
      },
    };
  },
};
