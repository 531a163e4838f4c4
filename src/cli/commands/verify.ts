import type { HostEntry } from '../../model/inventory.js';
import type { Transport } from '../../transport/types.js';
import { assessCluster, summarize } from '../../verify/checks.js';
import { collectClusterEvidence } from '../../verify/collect.js';
import { verifyScope } from '../../verify/scope.js';
import { jsonLines, reportLines, summaryLines, verifyExitCode } from '../../verify/report.js';
import { ExitCode } from '../../util/exit-codes.js';
import { warningWriter } from '../output/warnings.js';
import { reportSetupError, runSummary } from '../run-on-hosts.js';
import { openSession, type Session } from '../session.js';

export interface VerifyOptions {
  json?: boolean;
  limit?: string[];
}

/** The session's connect for any inventory host, including the verification client (no playbook). */
export function connectEntry(session: Session, warn: (message: string) => void) {
  return (entry: HostEntry): Promise<Transport> =>
    session.connect(
      { name: entry.name, role: 'host', group: 0, entry, steps: [], handlers: [], vars: {} },
      (host, fingerprint) =>
        warn(`[${host}] warning: recorded new host key ${fingerprint} (host_key_policy: accept-new)`),
    );
}

/** `lbprov verify`: what a careful operator checks after an apply, each with its evidence. */
export async function verifyCommand(file: string, options: VerifyOptions): Promise<number> {
  const warn = warningWriter(options.json);
  return reportSetupError(
    async () => {
      const session = await openSession(file, {
        warn,
        secrets: 'when-set',
        ...(options.limit ? { limit: options.limit } : {}),
      });
      const scope = verifyScope(session.inventory, session.selected);
      const evidence = await collectClusterEvidence(session.inventory, connectEntry(session, warn), scope);
      const checks = session.masker.maskDeep(assessCluster(session.inventory, evidence, scope));
      const summary = summarize(checks);
      const exitCode = verifyExitCode(summary, {
        unreachable: ExitCode.Unreachable,
        failed: ExitCode.Drifted,
      });
      const lines = options.json
        ? jsonLines(checks, summary, exitCode, scope)
        : [
            `lbprov verify: ${session.inventory.file}`,
            '',
            ...reportLines(checks),
            ...summaryLines(checks, summary, exitCode, scope),
          ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return exitCode;
    },
    options.json ? runSummary('verify') : undefined,
  );
}
