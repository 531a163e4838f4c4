import type { HostEntry } from '../../model/inventory.js';
import type { Transport } from '../../transport/types.js';
import { assessCluster, directorsLive, verifySummary } from '../../verify/checks.js';
import { collectClusterEvidence } from '../../verify/collect.js';
import { verifyScope } from '../../verify/scope.js';
import { ExitCode } from '../../util/exit-codes.js';
import { JsonRenderer } from '../output/json.js';
import { PlainRenderer } from '../output/plain.js';
import type { Renderer } from '../output/types.js';
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
    session.connect(entry, (host, fingerprint) =>
      warn(`[${host}] warning: recorded new host key ${fingerprint} (host_key_policy: accept-new)`),
    );
}

/** verify and the drills print line by line as they go: the task tree is for steps. */
export function lineRenderer(json: boolean | undefined): Renderer {
  return json ? new JsonRenderer() : new PlainRenderer({ showDiffs: false });
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
      const summary = verifySummary(
        checks,
        { unreachable: ExitCode.Unreachable, failed: ExitCode.Drifted },
        scope,
        session.inventory.vrrp.vip.address,
      );
      const renderer = lineRenderer(options.json);
      renderer.handle({ type: 'verify', file: session.inventory.file });
      for (const check of checks) renderer.handle({ type: 'check', ...check });
      for (const live of directorsLive(session.inventory, evidence, scope)) {
        renderer.handle(session.masker.maskDeep(live));
      }
      renderer.handle(summary);
      await renderer.finish();
      return summary.exit_code;
    },
    options.json ? runSummary('verify') : undefined,
  );
}
