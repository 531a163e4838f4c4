import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { foldersCreatedFor, pathPresenceFact } from '../facts/files.js';
import { createdFoldersUndo } from './file-change.js';
import { commandFact } from '../facts/system.js';
import { absolutePath, parseArgs } from './args.js';
import type { Action, Module, UndoRecord } from './types.js';

const expectation = z.object({ pattern: z.string().min(1), meaning: z.string().min(1) }).strict();

const schema = z
  .object({
    /** What is built, for messages: "keepalived 2.2.7". */
    what: z.string().min(1),
    commands: z
      .array(
        z
          .object({
            name: z.string().min(1),
            /** A complete command; it changes into the source folder itself. */
            run: z.string().min(1),
            /** The command's output must match, whatever its exit code, or the build is refused. */
            expect_output: expectation.optional(),
          })
          .strict(),
      )
      .min(1),
    /** Skip the build when this read-only command's output meets every expectation. */
    installed: z.object({ command: z.string().min(1), expect: z.array(expectation).min(1) }).strict(),
    /**
     * Paths `make install` writes: destroy removes those that were not there before, and puts back
     * those that were (an operator's own build, say) from a copy kept before the first build.
     */
    installs: z.array(absolutePath).default([]),
  })
  .strict();

type BuildArgs = z.output<typeof schema>;

function unmet(expectations: { pattern: string; meaning: string }[], output: string): string[] {
  return expectations.filter((e) => !new RegExp(e.pattern, 'm').test(output)).map((e) => e.meaning);
}

/** configure / make / make install, skipped when the installed result already matches. */
export const buildModule: Module<BuildArgs> = {
  name: 'build',
  parseArgs: (raw) => parseArgs('build', schema, raw),
  facts: (args) => [commandFact(args.installed.command), ...args.installs.map(pathPresenceFact)],
  check(args, facts) {
    const installed = factValue(facts, commandFact(args.installed.command));
    const missing = unmet(args.installed.expect, installed.output);
    if (missing.length === 0) return { status: 'ok', reason: `${args.what} is installed` };
    const actions: Action[] = [];
    const undo: UndoRecord[] = [];
    for (const path of args.installs) {
      const presence = factValue(facts, pathPresenceFact(path));
      if (presence.exists) {
        actions.push({ kind: 'backup_path', path });
        undo.push({ kind: 'restore_path', resource: `tree:${path}`, path });
        continue;
      }
      // make install creates the folders on the way (ipvsadm's /usr/man/man8, /etc/rc.d/init.d):
      // each is recorded once, before what goes into it.
      const folders = createdFoldersUndo(foldersCreatedFor(path, presence.existingAncestor));
      undo.push(...folders.filter((folder) => !undo.some((known) => known.resource === folder.resource)));
      undo.push({ kind: 'remove_tree', resource: `tree:${path}`, path });
    }
    for (const command of args.commands) {
      actions.push({
        kind: 'shell',
        description: `${args.what}: ${command.name}`,
        script: command.run,
        ...(command.expect_output ? { expectOutput: command.expect_output } : {}),
      });
    }
    return {
      status: 'change',
      change: {
        description: `build and install ${args.what} (${installed.output.trim() ? missing.join('; ') : 'not installed'})`,
        actions,
        undo,
      },
    };
  },
};
