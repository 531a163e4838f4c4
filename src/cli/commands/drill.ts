import { DrillError, type DrillContext } from '../../verify/drill-common.js';
import type { DrillKind, DrillResult } from '../../engine/events.js';
import { failoverDrill } from '../../verify/drill-failover.js';
import { realServerDrill } from '../../verify/drill-realserver.js';
import { checkRedisPrimaryLimit, redisPrimaryDrill } from '../../verify/drill-redis-primary.js';
import { secretIfSet } from '../secrets.js';
import { InterruptGuard } from '../../verify/interrupt.js';
import { POLL_INTERVAL_MS } from '../../verify/poll.js';
import { ExitCode } from '../../util/exit-codes.js';
import { warningWriter } from '../output/warnings.js';
import { reportSetupError, type ClosingLine } from '../run-on-hosts.js';
import { openSession, SetupError } from '../session.js';
import { checkFailoverLimit, drillTarget } from '../drill-limit.js';
import { connectEntry, lineRenderer } from './verify.js';

export interface DrillOptions {
  json?: boolean;
  limit?: string[];
}

/**
 * `lbprov drill failover`, `lbprov drill realserver [host]` and `lbprov drill redis-primary`: stop
 * one part of the cluster, time how it reacts, and always start it again (also on Ctrl-C).
 */
export async function drillCommand(
  kind: DrillKind,
  file: string,
  target: string | undefined,
  options: DrillOptions,
): Promise<number> {
  return reportSetupError(
    () => drill(kind, file, target, options),
    options.json ? stoppedDrillResult(kind) : undefined,
  );
}

async function drill(
  kind: DrillKind,
  file: string,
  target: string | undefined,
  options: DrillOptions,
): Promise<number> {
  const warn = warningWriter(options.json);
  const session = await openSession(file, {
    warn,
    secrets: 'when-set',
    ...(options.limit ? { limit: options.limit } : {}),
  });
  let guard: InterruptGuard | undefined;
  try {
    // Before anything is contacted: a --limit that rules the drill out is the user's to fix.
    const realServer =
      kind === 'realserver' ? drillTarget(session.inventory, target, session.selected) : undefined;
    if (kind === 'failover') checkFailoverLimit(session.inventory, session.selected);
    if (kind === 'redis-primary') checkRedisPrimaryLimit(session.inventory, session.selected);
    const renderer = lineRenderer(options.json);
    const print: DrillContext['emit'] = (event) => renderer.handle(session.masker.maskDeep(event));
    guard = new InterruptGuard((line) => warn(`lbprov: ${line}`), ExitCode.Aborted);
    const context: DrillContext = {
      inventory: session.inventory,
      connect: connectEntry(session, warn),
      emit: print,
      guard,
    };
    const redisPassword = session.inventory.redis.password;
    const result: DrillResult =
      kind === 'redis-primary'
        ? await redisPrimaryDrill(context, redisPassword && secretIfSet(redisPassword))
        : realServer === undefined
          ? await failoverDrill(context)
          : await realServerDrill(context, realServer);
    print(result);
    return result.exit_code;
  } catch (error) {
    // A drill that did not start changed nothing: like a setup error, it is the user's to fix. Its
    // message may quote a host's answer, so it is masked as the drill's events are.
    if (error instanceof DrillError) {
      const mask = (text: string) => session.masker.mask(text);
      throw new SetupError(mask(error.message), error.exitCode, error.hint ? { hint: mask(error.hint) } : {});
    }
    throw error;
  } finally {
    guard?.dispose();
  }
}

/** drill's last line when it stopped before changing anything: a result with nothing measured. */
function stoppedDrillResult(kind: DrillKind): ClosingLine {
  return ({ error, exit_code }) => {
    const result: DrillResult = {
      type: 'result',
      drill: kind,
      measurements: [],
      not_provable: [],
      problems: [],
      // Nothing was stopped, so the cluster is as it was.
      restored: true,
      interrupted: exit_code === ExitCode.Aborted,
      poll_interval_ms: POLL_INTERVAL_MS,
      exit_code,
    };
    return { ...result, error };
  };
}
