/**
 * The one shape of every drill: stop a service on one host, time what the watched hosts show as it
 * goes, start it again (also after a failure or Ctrl-C), time its return, and report measurements
 * against keepalived's own bounds.
 */
import type { DrillKind, DrillResult, Measurement } from '../engine/events.js';
import type { Transport } from '../transport/types.js';
import {
  describeError,
  drillExitCode,
  measurement,
  stopIfInterrupted,
  TIMING_SLACK_MS,
  type DrillContext,
} from './drill-common.js';
import { POLL_INTERVAL_MS, pollUntil } from './poll.js';
import { initCommand, initCommandByHand } from './service-control.js';
import { firstSeen, type Sample } from './timing.js';

/** Beyond keepalived's own bound, how long a drill waits before it calls a transition missing. */
const GIVE_UP_AFTER_MS = 20_000;

/** One thing to time in a phase: from the stop or start until the watched hosts first show `holds`. */
interface Timed {
  what: string;
  holds(shown: ReadonlySet<string>): boolean;
  expectedMs: number;
  /** What keepalived waits at least before it may happen (preempt_delay). */
  earliestMs?: number;
}

interface Phase {
  /** The watched hosts' answer the phase waits for. */
  done(shown: ReadonlySet<string>): boolean;
  /** keepalived's bound for the phase (the drill gives up GIVE_UP_AFTER_MS later). */
  boundMs: number;
  timed: Timed[];
  /**
   * Set when `done` must keep holding rather than come about (the VIP staying put under nopreempt):
   * the phase is watched for boundMs and the tolerance, and this names the problem when a sample
   * breaks it, `afterMs` from the action.
   */
  kept?(shown: ReadonlySet<string>, afterMs: number): string;
}

export interface StopStartPlan {
  drill: DrillKind;
  /** Where the service is stopped and started again. */
  host: { name: string; transport: Transport };
  /** Its init system's name, and what it is called in the report. */
  service: string;
  label: string;
  /** The drill's clock: every event and sample is stamped with it. */
  clock(): number;
  /** The hosts that show the service as up (hold the VIP, list the server); none: nothing to time. */
  watched: string[];
  /** Those showing it before the stop. */
  showingBefore: string[];
  show(): Promise<Set<string>>;
  /** What a watched host showing (or no longer showing) the service is reported as. */
  observed(host: string, shows: boolean): string;
  stop: Phase;
  start: Phase;
  /** After the stop: a problem when the service did not go, else nothing. */
  afterStop?(): Promise<string | undefined>;
  /** After the start, before its return is watched: whether the service itself is up again. */
  serviceUp?(): Promise<boolean>;
  /** After the return: whether everything is as before the drill. */
  confirmRestored?(): Promise<boolean>;
  /** The problem to report when it is not, knowing whether the service itself came up. */
  notRestored(serviceUp: boolean): string;
  not_provable: string[];
}

export async function stopAndStart(context: DrillContext, plan: StopStartPlan): Promise<DrillResult> {
  const { emit, guard } = context;
  const { clock } = plan;
  const problems: string[] = [];
  const measurements: Measurement[] = [];
  const byHand = `start ${plan.label} on ${plan.host.name}: ${initCommandByHand(plan.service, 'start')}`;

  let previous: ReadonlySet<string> = new Set(plan.showingBefore);
  const report = (sample: Sample<Set<string>>): void => {
    for (const host of plan.watched) {
      const now = sample.value.has(host);
      if (now !== previous.has(host)) {
        emit({ type: 'observed', host, what: plan.observed(host, now), at_ms: sample.at_ms });
      }
    }
    previous = sample.value;
  };
  const act = (verb: 'start' | 'stop') => {
    const command = initCommand(plan.service, verb);
    const at = clock();
    emit({ type: 'action', host: plan.host.name, action: `${verb} ${plan.label}`, command, at_ms: at });
    return { at, done: plan.host.transport.exec(command) };
  };
  const watch = async (phase: Phase, at: number, signal: AbortSignal): Promise<boolean> => {
    if (plan.watched.length === 0) return true;
    if (phase.kept) {
      const kept = phase.kept;
      const broken = await pollUntil(() => plan.show(), {
        clock,
        timeoutMs: phase.boundMs + TIMING_SLACK_MS,
        signal,
        done: (shown) => !phase.done(shown),
        onSample: report,
      });
      const breach = broken.reached ? broken.samples.at(-1) : undefined;
      // Whether the service is back is confirmRestored's to judge: what moved is a problem of its own.
      if (breach) problems.push(kept(breach.value, breach.at_ms - at));
      return true;
    }
    const watched = await pollUntil(() => plan.show(), {
      clock,
      timeoutMs: phase.boundMs + GIVE_UP_AFTER_MS,
      signal,
      done: (shown) => phase.done(shown),
      onSample: report,
    });
    for (const timed of phase.timed) {
      const seen = firstSeen(watched.samples, (shown) => timed.holds(shown));
      measurements.push(
        measurement(
          timed.what,
          seen === undefined ? undefined : seen - at,
          timed.expectedMs,
          timed.earliestMs,
        ),
      );
    }
    return watched.reached;
  };
  const failedVerb = (verb: string, result: { code: number; stdout: string; stderr: string }) =>
    `${verb} ${plan.label} on ${plan.host.name} failed (exit ${result.code}): ${(result.stdout + result.stderr).trim()}`;

  guard.restoreByHand(byHand);
  stopIfInterrupted(guard);
  const stop = act('stop');
  try {
    const [stopped] = await Promise.all([stop.done, watch(plan.stop, stop.at, guard.signal)]);
    if (stopped.code !== 0) problems.push(failedVerb('stopping', stopped));
    const notGone = await plan.afterStop?.();
    if (notGone) problems.push(notGone);
  } catch (error) {
    problems.push(`while ${plan.label} on ${plan.host.name} was stopped: ${describeError(error)}`);
  }

  // Restoring is not cut short by Ctrl-C: only a second one leaves without it.
  const restoring = new AbortController().signal;
  let restored = false;
  try {
    const start = act('start');
    const [started, { up, back }] = await Promise.all([
      start.done,
      (async () => {
        const up = plan.serviceUp ? await plan.serviceUp() : true;
        return { up, back: await watch(plan.start, start.at, restoring) };
      })(),
    ]);
    if (started.code !== 0) problems.push(failedVerb('starting', started));
    restored = up && back && (plan.confirmRestored ? await plan.confirmRestored() : true);
    if (!restored) problems.push(plan.notRestored(up));
  } catch (error) {
    problems.push(
      `restoring failed: ${describeError(error)}; by hand: ${byHand}, then run \`lbprov verify\``,
    );
  }
  const result = {
    drill: plan.drill,
    measurements,
    not_provable: plan.not_provable,
    problems,
    restored,
    interrupted: guard.interrupted,
    poll_interval_ms: POLL_INTERVAL_MS,
  };
  return { type: 'result', ...result, exit_code: drillExitCode(result) };
}
