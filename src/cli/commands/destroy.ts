import { destroyPreviewWork, destroyWork } from '../../engine/destroy.js';
import { DEFAULT_CONCURRENCY } from '../../engine/concurrency.js';
import type { RunJob } from '../../engine/run.js';
import type { Inventory } from '../../model/inventory.js';
import type { ProcedureJob } from '../../procedure/jobs.js';
import { ExitCode } from '../../util/exit-codes.js';
import { hasTerminal } from '../terminal.js';
import { JsonRenderer } from '../output/json.js';
import { PlainRenderer } from '../output/plain.js';
import type { Renderer } from '../output/types.js';
import { openRunSession, reportSetupError, runOnHosts, runSummary } from '../run-on-hosts.js';
import { SetupError } from '../session.js';

export interface DestroyCommandOptions {
  dryRun?: boolean;
  json?: boolean;
  limit?: string[];
  yes?: boolean;
  removePackages?: boolean;
}

/** Hosts contacted at once, as apply's default. */

/**
 * The reverse of apply's order: the MASTER goes first while the BACKUP keeps serving, then the
 * BACKUP, then the real servers, which nothing routes to any more.
 */
const DESTROY_GROUP = { master: 0, backup: 1, realServers: 2 } as const;

function destroyGroup(inventory: Inventory, hostName: string): number {
  const director = inventory.directors.find((candidate) => candidate.name === hostName);
  if (!director) return DESTROY_GROUP.realServers;
  return director.state === 'MASTER' ? DESTROY_GROUP.master : DESTROY_GROUP.backup;
}

/** Destroy works from each host's record, not from the playbooks: its jobs carry no steps to probe. */
function destroyJobs(inventory: Inventory, jobs: ProcedureJob[]): RunJob[] {
  return jobs
    .map((job) => ({
      name: job.name,
      role: job.role,
      group: destroyGroup(inventory, job.name),
      steps: [],
      handlers: [],
      vars: {},
    }))
    .sort((a, b) => a.group - b.group);
}

/** --yes, or a person at a terminal who says yes to the list of hosts; nobody else. */
async function requireConfirmation(jobs: RunJob[], options: DestroyCommandOptions): Promise<void> {
  if (options.dryRun || options.yes) return;
  if (!hasTerminal()) {
    throw new SetupError(
      'destroy undoes everything lbprov did on these hosts and needs a confirmation; ' +
        'there is no terminal to ask on, so pass --yes (see what it would do first with --dry-run)',
      ExitCode.Usage,
    );
  }
  const hosts = jobs.map((job) => `  ${job.name} (${job.role})\n`);
  // The question goes to stderr, so that stdout stays the report (pure JSON with --json).
  process.stderr.write(
    `lbprov destroy will undo what lbprov did on these hosts, in this order:\n${hosts.join('')}`,
  );
  const { confirm } = await import('@inquirer/prompts');
  const yes = await confirm(
    { message: 'Undo lbprov on these hosts?', default: false },
    { output: process.stderr },
  ).catch((error: unknown) => {
    if (error instanceof Error && error.name === 'ExitPromptError') return false;
    throw error;
  });
  if (!yes) throw new SetupError('nothing was changed: destroy was not confirmed', ExitCode.Aborted);
}

/**
 * Plain lines on a terminal too: the steps come from each host's record, known only once the host
 * is read, and listr2 wants the whole task tree up front.
 */
function chooseRenderer(options: DestroyCommandOptions): Renderer {
  return options.json ? new JsonRenderer() : new PlainRenderer({ showDiffs: false });
}

/** `lbprov destroy` and `lbprov destroy --dry-run`. */
export async function destroyCommand(file: string, options: DestroyCommandOptions): Promise<number> {
  return reportSetupError(
    async () => {
      const session = await openRunSession(file, options, 'when-set');
      const jobs = destroyJobs(session.inventory, session.jobs);
      await requireConfirmation(jobs, options);
      // The inventory keeps the choice for every destroy; the flag makes it for this one.
      const undoOptions = {
        removePackages: (options.removePackages ?? false) || session.inventory.destroy.remove_packages,
      };
      const outcome = await runOnHosts(session, chooseRenderer(options), {
        mode: options.dryRun ? 'destroy-dry-run' : 'destroy',
        work: options.dryRun ? destroyPreviewWork(undoOptions) : destroyWork(undoOptions),
        jobs,
        concurrency: DEFAULT_CONCURRENCY,
      });
      return outcome.exitCode;
    },
    options.json ? runSummary(options.dryRun ? 'destroy-dry-run' : 'destroy') : undefined,
  );
}
