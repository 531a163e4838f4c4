import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { modules } from '../steps/registry.js';
import { variableProblems } from './check-vars.js';
import { variableReferences } from './references.js';
import { varsSchemaByRole } from './role-vars.js';

const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'step ids are lower-case words joined by dashes'),
    name: z.string().min(1),
    module: z.string().refine((name) => modules.has(name), { message: 'unknown module' }),
    /** A map, or one `{{ variable }}` that holds the whole map (a build plan computed in TypeScript). */
    args: z.union([z.record(z.string(), z.unknown()), z.string()]).default({}),
    when: z.array(z.string()).default([]),
    /** What to say when `when` does not hold ("the host does not use network-scripts"). */
    skip_reason: z.string().optional(),
    notify: z.array(z.string()).default([]),
    /**
     * Handlers this step makes unnecessary when it changes: starting a service loads its newest
     * configuration, so a restart or reload notified earlier in the run would only bounce it.
     */
    satisfies: z.array(z.string()).default([]),
    /** Steps whose change this one builds on: with --dry-run, "ok" is reported as depending on them. */
    depends_on: z.array(z.string()).default([]),
    /** Why this step departs from the how-to, shown by `lbprov explain` and in plans. */
    departs: z.string().optional(),
  })
  .strict();

const playbookSchema = z
  .object({
    role: z.enum(['director', 'real_server']),
    description: z.string(),
    steps: z.array(stepSchema).min(1),
    handlers: z.array(stepSchema).default([]),
  })
  .strict();

export type PlaybookStep = z.output<typeof stepSchema>;
export type Playbook = z.output<typeof playbookSchema>;

export class PlaybookError extends Error {}

/** The procedure shipped with lbprov, one playbook per role (playbooks/ at the package root). */
export function playbookPath(role: 'director' | 'real_server'): string {
  return fileURLToPath(new URL(`../../playbooks/${role.replace('_', '-')}.yaml`, import.meta.url));
}

/** The playbook's structure; the variables it names are checked by `checkPlaybookVars`. */
export function parsePlaybook(text: string, file: string): Playbook {
  const result = playbookSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new PlaybookError(`${file}: ${problems.join('; ')}`);
  }
  const playbook = result.data;
  const ids = new Set<string>();
  for (const step of [...playbook.steps, ...playbook.handlers]) {
    if (ids.has(step.id)) throw new PlaybookError(`${file}: step id ${step.id} is used twice`);
    ids.add(step.id);
  }
  const handlers = new Set(playbook.handlers.map((handler) => handler.id));
  const earlier = new Set<string>();
  for (const step of [...playbook.steps, ...playbook.handlers]) {
    for (const name of step.satisfies) {
      if (!handlers.has(name))
        throw new PlaybookError(`${file}: step ${step.id} satisfies unknown handler ${name}`);
    }
  }
  for (const step of playbook.steps) {
    for (const name of step.notify) {
      if (!handlers.has(name))
        throw new PlaybookError(`${file}: step ${step.id} notifies unknown handler ${name}`);
    }
    for (const dependency of step.depends_on) {
      // Only an earlier step can have changed by the time this one is checked.
      if (!earlier.has(dependency)) {
        throw new PlaybookError(
          `${file}: step ${step.id} depends on ${dependency}, which is not an earlier step`,
        );
      }
    }
    earlier.add(step.id);
  }
  return playbook;
}

/** Every variable the playbook names must be one its role's procedure provides. */
export function checkPlaybookVars(text: string, file: string, role: Playbook['role']): void {
  const problems = variableProblems(variableReferences(text), varsSchemaByRole[role]);
  if (problems.length > 0) {
    throw new PlaybookError(
      problems
        .map(
          (problem) => `${file}:${problem.line}:${problem.column}: step ${problem.step}: ${problem.message}`,
        )
        .join('; '),
    );
  }
}

export async function loadPlaybook(file: string): Promise<Playbook> {
  const text = await readFile(file, 'utf8');
  const playbook = parsePlaybook(text, file);
  checkPlaybookVars(text, file, playbook.role);
  return playbook;
}
