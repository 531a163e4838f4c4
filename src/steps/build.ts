import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { foldersCreatedFor, pathPresenceFact } from '../facts/files.js';
import { createdFoldersUndo } from './file-change.js';
import { commandFact } from '../facts/system.js';
import { absolutePath, parseArgs } from './args.js';
import type { Action, Module, UndoRecord } from './types.js';

const expectation = z.object({ pattern: z.string().min(1), meaning: z.string().min(1) }).strict();

/**
 * A build plan from render/build-recipes, under its own field names: only TypeScript writes these
 * arguments (a playbook hands the whole plan over as one variable).
 */
export const buildArgsSchema = z
  .object({
    /** What is built, for messages: "keepalived 2.2.7". */
    subject: z.string().min(1),
    steps: z
      .array(
        z
          .object({
            name: z.string().min(1),
            /** A complete command; it changes into the source folder itself. */
            command: z.string().min(1),
            /** The command's output must match, whatever its exit code, or the build is refused. */
            expectOutput: expectation.optional(),
          })
          .strict(),
      )
      .min(1),
    /** Skip the build when this read-only command's output meets every expectation. */
    verify: z.object({ command: z.string().min(1), expect: z.array(expectation).min(1) }).strict(),
    /**
     * Paths `make install` writes: destroy removes those that were not there before, and puts back
     * those that were (an operator's own build, say) from a copy kept before the first build.
     */
    installedPaths: z.array(absolutePath).default([]),
    /** The program the build exists for: its checksum goes into the host record. */
    binary: absolutePath,
  })
  .strict();

type BuildArgs = z.output<typeof buildArgsSchema>;

function unmet(expectations: { pattern: string; meaning: string }[], output: string): string[] {
  return expectations.filter((e) => !new RegExp(e.pattern, 'm').test(output)).map((e) => e.meaning);
}

/**
 * configure / make / make install, skipped when the installed result already matches; the engine
 * compiles it once per run and platform (see the `build` action).
 */
export const buildModule: Module<BuildArgs> = {
  name: 'build',
  parseArgs: (raw) => parseArgs('build', buildArgsSchema, raw),
  facts: (args) => [commandFact(args.verify.command), ...args.installedPaths.map(pathPresenceFact)],
  check(args, facts) {
    const installed = factValue(facts, commandFact(args.verify.command));
    const missing = unmet(args.verify.expect, installed.output);
    if (missing.length === 0) return { status: 'ok', reason: `${args.subject} is installed` };
    const actions: Action[] = [];
    const undo: UndoRecord[] = [];
    for (const path of args.installedPaths) {
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
    actions.push({
      kind: 'build',
      subject: args.subject,
      steps: args.steps.map((step) => ({
        kind: 'shell',
        description: `${args.subject}: ${step.name}`,
        script: step.command,
        ...(step.expectOutput ? { expectOutput: step.expectOutput } : {}),
      })),
      verify: args.verify,
      installedPaths: args.installedPaths,
      binary: args.binary,
    });
    return {
      status: 'change',
      change: {
        description: `build and install ${args.subject} (${installed.output.trim() ? missing.join('; ') : 'not installed'})`,
        actions,
        undo,
      },
    };
  },
};
