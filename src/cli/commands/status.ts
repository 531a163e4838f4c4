import type { DirectorLive, Drift, StatusSummary, StepStatus } from '../../engine/events.js';
import { reportPlan } from '../../engine/host-run.js';
import { DEFAULT_CONCURRENCY } from '../../engine/concurrency.js';
import { procedureFlags } from '../../procedure/jobs.js';
import { failureOf } from '../../verify/connect.js';
import { gatherEvidence } from '../../verify/evidence.js';
import { closeStatus, readDirectorLive, statusCommands } from '../../verify/live.js';
import { openRunSession, reportSetupError, runOnHosts, runSummary } from '../run-on-hosts.js';
import type { PlannedSession } from '../session.js';
import { chooseRenderer } from './apply.js';

export interface StatusOptions {
  json?: boolean;
  limit?: string[];
}

/** Plan outcomes that mean the host is not what the inventory describes. */
const DRIFTED: ReadonlySet<StepStatus> = new Set(['would_change', 'may_change', 'failed']);

/**
 * `lbprov status`: apply's --dry-run plan as a drift report (the same planner, read-only), plus
 * what the directors are doing now: keepalived, who holds the VIP, the IPVS table.
 * Exit 0 converged, 6 drifted; 2 or 3 when a host could not be read or reached.
 */
export async function statusCommand(file: string, options: StatusOptions): Promise<number> {
  return reportSetupError(
    async () => {
      // As apply: the first hosts' handshakes start while the jobs are built.
      const session = await openRunSession(file, options, 'required', DEFAULT_CONCURRENCY);
      try {
        return await reportStatus(session, options);
      } finally {
        await session.closeUnused();
      }
    },
    options.json ? runSummary('status') : undefined,
  );
}

async function reportStatus(session: PlannedSession, options: StatusOptions): Promise<number> {
  const { inventory, masker } = session;
  const renderer = await chooseRenderer(session, { json: options.json ?? false, showDiffs: true });
  const directors = new Map(inventory.directors.map((director) => [director.name, director]));
  const live: DirectorLive[] = [];
  const drift: Drift[] = [];
  let closing: { live: DirectorLive[]; summary: StatusSummary } | undefined;
  const outcome = await runOnHosts(
    session,
    renderer,
    {
      mode: 'status',
      work: async ({ job, probe, transport, emit }) => {
        const tally = reportPlan(job, probe, emit);
        const director = directors.get(job.name);
        if (director) {
          try {
            const evidence = await gatherEvidence(transport, statusCommands());
            live.push(masker.maskDeep(readDirectorLive(inventory, director, evidence)));
          } catch (error) {
            emit({
              type: 'warning',
              host: job.name,
              message: `reading its live state failed: ${failureOf(error).message}`,
            });
          }
        }
        return tally;
      },
      jobs: session.jobs,
      concurrency: DEFAULT_CONCURRENCY,
      flagsFor: procedureFlags(inventory),
    },
    (event) => {
      if (event.type === 'step' && DRIFTED.has(event.status)) {
        drift.push({
          host: event.host,
          step: event.step,
          name: event.name,
          status: event.status,
          ...(event.description ? { description: event.description } : {}),
        });
      }
      // The status verdict replaces the engine's summary (which speaks of changes made). All hosts
      // have reported by now, the directors' live state with them.
      if (event.type === 'summary') {
        closing = closeStatus(inventory, event, live, drift);
        for (const entry of closing.live) renderer.handle(entry);
        renderer.handle(masker.maskDeep(closing.summary));
      } else renderer.handle(event);
    },
  );
  return closing?.summary.exit_code ?? outcome.exitCode;
}
