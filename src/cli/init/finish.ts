import {
  formatDiagnostic,
  validateInventoryText,
  type Diagnostic,
  type LoadResult,
} from '../../inventory/index.js';
import { escapeUnprintable } from '../../util/printable.js';
import { ExitCode } from '../../util/exit-codes.js';
import { composeInventory, hasInlineSecret, passwordVariables, type InitAnswers } from './answers.js';
import { renderInventory } from './render.js';
import { answersText, saveAnswers, type WriteFile } from './save-answers.js';
import { writeFileAtomically } from './write-file.js';

export type InitOutcome = { written: true } | { written: false; exitCode: number };

/** What finishing touches outside itself; a test swaps them to force a failure. */
export interface FinishDependencies {
  validate(text: string, file: string): LoadResult;
  write: WriteFile;
  stdout(text: string): void;
  stderr(text: string): void;
}

const DEFAULTS: FinishDependencies = {
  validate: (text, file) => validateInventoryText(text, file, { HOME: process.env.HOME }),
  write: writeFileAtomically,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Writes the inventory the answers describe. When that fails, the answers are not lost: they are
 * saved (without any password) and the message says where and how to go on.
 */
export async function finishInit(
  file: string,
  answers: InitAnswers,
  dependencies: Partial<FinishDependencies> = {},
): Promise<InitOutcome> {
  const deps = { ...DEFAULTS, ...dependencies };
  let problem: string | undefined;
  try {
    problem = await writeInventory(file, answers, deps);
  } catch (error) {
    // A bug in lbprov, reported as one by the caller; the answers are still the user's.
    await keepAnswers(file, answers, deps, 'lbprov stopped on an internal error');
    throw error;
  }
  if (problem === undefined) return { written: true };
  await keepAnswers(file, answers, deps, problem);
  return { written: false, exitCode: ExitCode.InvalidInventory };
}

/** undefined once the file is written and reported; else what went wrong, for the user. */
async function writeInventory(
  file: string,
  answers: InitAnswers,
  deps: FinishDependencies,
): Promise<string | undefined> {
  const inventory = composeInventory(answers, 'as-answered');
  const text = renderInventory(inventory, file);
  // The answers were checked one by one; this checks the file as a whole, exactly as `validate` will.
  const result = deps.validate(text, file);
  if (result.errors.length > 0) {
    // Positions in a file that was never written would mislead: validate on the saved answers gives them.
    return `the inventory they make does not validate:\n${result.errors.map((d) => `  ${withoutPlace(d)}`).join('\n')}`;
  }
  try {
    await deps.write(file, text, hasInlineSecret(answers) ? 0o600 : 0o644);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `writing it failed: ${escapeUnprintable(reason)}`;
  }
  // "not set here" is no news: the report says how to set each variable.
  const unsetHere = new Set(['vrrp.auth_pass.env', 'redis.password.env']);
  deps.stdout(
    successReport(
      file,
      passwordVariables(inventory),
      result.warnings.filter((w) => !unsetHere.has(w.path)).map(formatDiagnostic),
    ),
  );
  return undefined;
}

function withoutPlace(d: Diagnostic): string {
  return `${d.path === '' ? '' : `${d.path}: `}${d.message}${d.hint === undefined ? '' : `; hint: ${d.hint}`}`;
}

async function keepAnswers(
  file: string,
  answers: InitAnswers,
  deps: FinishDependencies,
  problem: string,
): Promise<void> {
  const shown = escapeUnprintable(file);
  const saved = await saveAnswers(file, answers, deps.write);
  const lines = [`lbprov: init could not write ${shown}: ${problem}`];
  if (saved === undefined) {
    lines.push(
      'Your answers could not be saved either (neither beside it nor in the temporary folder); here they are, without any password:',
      answersText(file, answers),
    );
  } else {
    const savedShown = escapeUnprintable(saved);
    lines.push(
      `Your answers are saved in ${savedShown} (without any password, mode 0600).`,
      `To go on: lbprov validate ${savedShown}, fix what it reports, then mv ${savedShown} ${shown}`,
      `(or run lbprov init ${shown} again).`,
    );
  }
  deps.stderr(`${lines.join('\n')}\n`);
}

function successReport(file: string, fromEnv: string[], warnings: string[]): string {
  const shown = escapeUnprintable(file);
  const lines = [`Wrote ${shown}.`];
  if (warnings.length > 0) lines.push('Worth reading before you apply it:', ...warnings.map((w) => `  ${w}`));
  if (fromEnv.length > 0) {
    lines.push(
      fromEnv.length === 1
        ? `The password is not stored. Before lbprov apply, set ${fromEnv.join('')} to it without echoing it, e.g.:`
        : `The passwords are not stored. Before lbprov apply, set ${fromEnv.join(' and ')} without echoing them, e.g.:`,
      ...fromEnv.map((env) => `  read -rs ${env} && export ${env}`),
    );
  }
  lines.push(`Next: lbprov validate ${shown}`);
  return `${lines.join('\n')}\n`;
}
