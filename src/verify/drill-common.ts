import { performance } from 'node:perf_hooks';
import { ExitCode } from '../util/exit-codes.js';
import type { HostEntry, Inventory } from '../model/inventory.js';
import type { Transport } from '../transport/types.js';
import { failureOf, type ConnectHost } from './connect.js';
import type { DrillEvent, DrillResult, Measurement } from '../engine/events.js';
import { holdHostLock, LockBusyError } from './host-lock.js';
import type { InterruptGuard } from './interrupt.js';
import { POLL_INTERVAL_MS } from './poll.js';
import { timeliness } from './timing.js';

/** A drill that did not start: nothing was changed. */
export class DrillError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface DrillContext {
  inventory: Inventory;
  connect: ConnectHost;
  emit(event: DrillEvent): void;
  guard: InterruptGuard;
}

/** Milliseconds since the drill began: every event and sample is stamped with it. */
export function drillClock(): () => number {
  const began = performance.now();
  return () => Math.round(performance.now() - began);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Connects to every host the drill touches and holds lbprov's lock on `locked` ones for the whole
 * drill; all connections close afterwards. Nothing is changed before all of this succeeded.
 */
export async function withHosts<T>(
  context: DrillContext,
  hosts: HostEntry[],
  locked: ReadonlySet<string>,
  purpose: string,
  work: (transports: Map<string, Transport>) => Promise<T>,
): Promise<T> {
  const connected = await Promise.allSettled(hosts.map((host) => context.connect(host)));
  const transports = new Map<string, Transport>();
  connected.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') transports.set(hosts[index]!.name, outcome.value);
  });
  const releases: (() => Promise<void>)[] = [];
  try {
    const failed = connected.findIndex((outcome) => outcome.status === 'rejected');
    if (failed >= 0) {
      const failure = failureOf((connected[failed] as PromiseRejectedResult).reason);
      throw new DrillError(
        `${hosts[failed]!.name} is unreachable: ${failure.message}; nothing was changed`,
        ExitCode.Unreachable,
        failure.hint,
      );
    }
    for (const host of hosts.filter((entry) => locked.has(entry.name))) {
      try {
        const lock = await holdHostLock(transports.get(host.name)!, purpose);
        releases.push(() => lock.release());
      } catch (error) {
        if (error instanceof LockBusyError) throw new DrillError(error.message, ExitCode.Locked);
        throw error;
      }
    }
    return await work(transports);
  } finally {
    for (const release of releases) await release().catch(() => undefined);
    await Promise.all([...transports.values()].map((transport) => transport.close().catch(() => undefined)));
  }
}

/** Called right before the drill's first change: a Ctrl-C until then leaves everything as it was. */
export function stopIfInterrupted(guard: InterruptGuard): void {
  if (guard.interrupted) throw new DrillError('interrupted before anything was changed', ExitCode.Aborted);
}

/** A poll only sees a change after it happened; start-up and scheduling add up to a second more. */
export const TIMING_SLACK_MS = POLL_INTERVAL_MS + 1000;

export function measurement(
  what: string,
  measuredMs: number | undefined,
  expectedMs: number,
  earliestMs?: number,
): Measurement {
  return {
    what,
    measured_ms: measuredMs ?? null,
    expected_ms: expectedMs,
    ...(earliestMs === undefined ? {} : { earliest_ms: earliestMs }),
    tolerance_ms: TIMING_SLACK_MS,
    timeliness: timeliness(measuredMs, expectedMs, TIMING_SLACK_MS, earliestMs),
  };
}

/**
 * Interrupted: 130. Not restored: Failed. A transition not seen, or slower than keepalived's own
 * rules predict, or any other problem: Drifted (the cluster does not behave as designed).
 */
export function drillExitCode(result: Omit<DrillResult, 'exit_code' | 'type'>): number {
  if (result.interrupted) return ExitCode.Aborted;
  if (!result.restored) return ExitCode.Failed;
  const late = result.measurements.some((m) => m.timeliness !== 'as expected');
  return late || result.problems.length > 0 ? ExitCode.Drifted : ExitCode.Ok;
}
