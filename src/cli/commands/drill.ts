import { DrillError, type DrillContext } from '../../verify/drill-common.js';
import { drillLines, type DrillEvent, type DrillResult } from '../../verify/drill-events.js';
import { failoverDrill } from '../../verify/drill-failover.js';
import { realServerDrill } from '../../verify/drill-realserver.js';
import { InterruptGuard } from '../../verify/interrupt.js';
import { ExitCode } from '../exit-codes.js';
import { openSession, SetupError } from '../session.js';
import { checkFailoverLimit, drillTarget } from '../drill-limit.js';
import { connectEntry } from './verify.js';

export interface DrillOptions {
  json?: boolean;
  limit?: string[];
}

/**
 * `lbprov drill failover` and `lbprov drill realserver [host]`: stop one part of the cluster, time
 * how it reacts, and always start it again (also on Ctrl-C).
 */
export async function drillCommand(
  kind: 'failover' | 'realserver',
  file: string,
  target: string | undefined,
  options: DrillOptions,
): Promise<number> {
  const warn = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  let guard: InterruptGuard | undefined;
  try {
    const session = await openSession(file, {
      warn,
      secrets: 'when-set',
      ...(options.limit ? { limit: options.limit } : {}),
    });
    // Before anything is contacted: a --limit that rules the drill out is the user's to fix.
    const realServer =
      kind === 'realserver' ? drillTarget(session.inventory, target, session.selected) : undefined;
    if (kind === 'failover') checkFailoverLimit(session.inventory, session.selected);
    const print = (event: DrillEvent): void => {
      const masked = session.masker.maskDeep(event);
      const lines = options.json ? [JSON.stringify(masked)] : drillLines(masked);
      process.stdout.write(`${lines.join('\n')}\n`);
    };
    guard = new InterruptGuard((line) => warn(`lbprov: ${line}`), ExitCode.Aborted);
    const context: DrillContext = {
      inventory: session.inventory,
      connect: connectEntry(session, warn),
      emit: print,
      guard,
    };
    const result: DrillResult =
      realServer === undefined ? await failoverDrill(context) : await realServerDrill(context, realServer);
    print(result);
    return result.exit_code;
  } catch (error) {
    if (error instanceof SetupError || error instanceof DrillError) {
      process.stderr.write(`lbprov: ${error.message}\n`);
      if (error instanceof DrillError && error.hint) process.stderr.write(`what to do: ${error.hint}\n`);
      return error.exitCode;
    }
    throw error;
  } finally {
    guard?.dispose();
  }
}
