import type { PlanOutline } from '../../engine/events.js';
import { DEFAULT_CONCURRENCY } from '../../engine/concurrency.js';
import { procedureFlags } from '../../procedure/jobs.js';
import { ExitCode } from '../../util/exit-codes.js';
import { rendererFor } from '../output/choose.js';
import type { Renderer } from '../output/types.js';
import { existsSync } from 'node:fs';
import { hasTerminal, noTerminalMessage } from '../terminal.js';
import { openRunSession, reportSetupError, runOnHosts, runSummary } from '../run-on-hosts.js';
import { SetupError, type PlannedSession } from '../session.js';
import { clip, escapeUnprintable } from '../../util/printable.js';

export interface ApplyOptions {
  dryRun?: boolean;
  json?: boolean;
  limit?: string[];
  concurrency?: string;
  diff?: boolean;
}

function outlineOf(session: PlannedSession): PlanOutline {
  return {
    hosts: session.jobs.map((job) => ({
      name: job.name,
      role: job.role,
      steps: [
        ...job.steps.map((step) => ({ id: step.id, name: step.name, handler: false })),
        ...job.handlers.map((step) => ({ id: step.id, name: step.name, handler: true })),
      ],
    })),
  };
}

export async function chooseRenderer(
  session: PlannedSession,
  options: { json?: boolean; showDiffs: boolean },
): Promise<Renderer> {
  return rendererFor(outlineOf(session), options);
}

function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 256) {
    throw new SetupError(
      `--concurrency must be a whole number from 1 to 256, not "${clip(escapeUnprintable(value))}"`,
      ExitCode.Usage,
    );
  }
  return parsed;
}

/**
 * First setup: `lbprov apply <file>` where the file does not exist runs the init prompts, shows
 * the plan, and asks before applying. Without a terminal (or with --json, which a script reads) it
 * says what to do instead.
 */
async function firstSetup(file: string, options: ApplyOptions): Promise<number> {
  // The name as typed may hold terminal escapes: it is printed as the diagnostics print it.
  const shown = escapeUnprintable(file);
  if (!hasTerminal() || options.json) {
    throw new SetupError(`${shown} does not exist.\n${noTerminalMessage(file)}`, ExitCode.InvalidInventory);
  }
  process.stdout.write(`${shown} does not exist yet: let us write it.\n`);
  const { runInitPrompts } = await import('../init/run.js');
  const written = await runInitPrompts(file);
  if (!written.written) return written.exitCode;
  const planned = await converge(file, { ...options, dryRun: true });
  if (planned !== ExitCode.Ok || options.dryRun) return planned;
  const { confirm } = await import('@inquirer/prompts');
  if (!(await confirm({ message: 'Apply these changes now?', default: false }))) {
    process.stdout.write(`Nothing was changed. Apply later with: lbprov apply ${shown}\n`);
    return ExitCode.Aborted;
  }
  return converge(file, options);
}

/** `lbprov apply` and `lbprov apply --dry-run`. */
export async function applyCommand(file: string, options: ApplyOptions): Promise<number> {
  return reportSetupError(
    () => (existsSync(file) ? converge(file, options) : firstSetup(file, options)),
    options.json ? runSummary(options.dryRun ? 'dry-run' : 'apply') : undefined,
  );
}

async function converge(file: string, options: ApplyOptions): Promise<number> {
  const concurrency = parseConcurrency(options.concurrency);
  // Nothing is asked between reading the inventory and contacting the hosts: the first hosts'
  // handshakes start while the jobs are built.
  const session = await openRunSession(file, options, 'required', concurrency);
  try {
    const renderer = await chooseRenderer(session, {
      json: options.json ?? false,
      showDiffs: Boolean(options.dryRun || options.diff),
    });
    const outcome = await runOnHosts(session, renderer, {
      mode: options.dryRun ? 'dry-run' : 'apply',
      jobs: session.jobs,
      concurrency,
      flagsFor: procedureFlags(session.inventory),
      standInFor: session.standInFor,
    });
    return outcome.exitCode;
  } finally {
    await session.closeUnused();
  }
}
