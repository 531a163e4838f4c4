import type { EngineEvent, StepStatus } from '../../engine/events.js';
import { reportPlan } from '../../engine/host-run.js';
import { procedureFlags } from '../../procedure/jobs.js';
import { directorCommands } from '../../verify/commands.js';
import { failureOf } from '../../verify/connect.js';
import { gatherEvidence } from '../../verify/evidence.js';
import { liveLines, liveProblems, readDirectorLive, type DirectorLive } from '../../verify/live.js';
import { ExitCode } from '../../util/exit-codes.js';
import { openRunSession, reportSetupError, runOnHosts, runSummary } from '../run-on-hosts.js';
import { chooseRenderer } from './apply.js';

export interface StatusOptions {
  json?: boolean;
  limit?: string[];
}

/** Plan outcomes that mean the host is not what the inventory describes. */
const DRIFTED: ReadonlySet<StepStatus> = new Set(['would_change', 'may_change', 'failed']);

interface Drift {
  host: string;
  step: string;
  name: string;
  status: StepStatus;
  description?: string;
}

function driftLines(drift: Drift[], hosts: string[], unreachable: ReadonlySet<string>): string[] {
  const lines = ['', 'Drift:'];
  for (const host of hosts) {
    const mine = drift.filter((item) => item.host === host);
    if (unreachable.has(host)) lines.push(`  ${host}: UNREACHABLE (not checked)`);
    else if (mine.length === 0) lines.push(`  ${host}: converged`);
    else {
      lines.push(
        `  ${host}: DRIFTED: ${mine
          .map(
            (item) =>
              `${item.name} (${item.status.replace('_', ' ')}${item.description ? `: ${item.description}` : ''})`,
          )
          .join('; ')}`,
      );
    }
  }
  return lines;
}

/**
 * `lbprov status`: apply's --dry-run plan as a drift report (the same planner, read-only), plus
 * what the directors are doing now: keepalived, who holds the VIP, the IPVS table.
 * Exit 0 converged, 6 drifted; 2 or 3 when a host could not be read or reached.
 */
export async function statusCommand(file: string, options: StatusOptions): Promise<number> {
  return reportSetupError(
    async () => {
      const session = await openRunSession(file, options);
      const { inventory, masker } = session;
      const vip = inventory.vrrp.vip.address;
      const renderer = await chooseRenderer(session, { json: options.json ?? false, showDiffs: true });
      const directors = new Map(inventory.directors.map((director) => [director.name, director]));
      const live: DirectorLive[] = [];
      const drift: Drift[] = [];
      let summary: Extract<EngineEvent, { type: 'summary' }> | undefined;
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
                const evidence = await gatherEvidence(transport, directorCommands({ stats: true }));
                live.push(masker.maskDeep(readDirectorLive(director, vip, evidence)));
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
          concurrency: 16,
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
          // The status verdict replaces the engine's summary (which speaks of changes made).
          if (event.type === 'summary') summary = event;
          else renderer.handle(event);
        },
      );
      const order = inventory.directors.map((director) => director.name);
      live.sort((a, b) => order.indexOf(a.host) - order.indexOf(b.host));
      const problems = liveProblems(vip, live, inventory.directors.length);
      const drifted = drift.length > 0 || problems.length > 0;
      const exitCode = outcome.exitCode !== 0 ? outcome.exitCode : drifted ? ExitCode.Drifted : ExitCode.Ok;
      const hosts = session.jobs.map((job) => job.name);
      const unreachable = new Set(hosts.filter((host) => summary?.hosts[host]?.unreachable));
      const lines = options.json
        ? [
            ...live.map((entry) => JSON.stringify(entry)),
            JSON.stringify({
              type: 'summary',
              mode: 'status',
              converged: !drifted && exitCode === ExitCode.Ok,
              drift,
              live_problems: problems,
              hosts: summary?.hosts ?? {},
              flags: summary?.flags ?? [],
              duration_ms: summary?.duration_ms ?? 0,
              exit_code: exitCode,
            }),
          ]
        : [
            ...driftLines(drift, hosts, unreachable),
            '',
            ...liveLines(vip, live),
            ...problems.map((problem) => `  !! ${problem}`),
            ...(summary?.flags ?? []).map((flag) => `  !! ${flag}`),
            '',
            exitCode === ExitCode.Ok
              ? 'Converged: every step is as the inventory says, and one director holds the VIP.'
              : drifted && outcome.exitCode === 0
                ? `DRIFTED (exit code ${exitCode}): \`lbprov apply --dry-run\` shows the diffs, \`lbprov apply\` converges.`
                : `Could not check everything (exit code ${exitCode}): see the errors above.`,
          ];
      process.stdout.write(`${masker.mask(lines.join('\n'))}\n`);
      return exitCode;
    },
    options.json ? runSummary('status') : undefined,
  );
}
