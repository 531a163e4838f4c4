import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pLimit from 'p-limit';
import { ExitCode } from '../util/exit-codes.js';
import type { Transport } from '../transport/types.js';
import { UnreachableError } from '../transport/types.js';
import type { SecretMasker } from '../util/mask.js';
import { ControlDownloads } from './actions.js';
import { SharedBuilds } from './shared-builds.js';
import type { EngineEvent, HostSummary, RunMode, StepError } from './events.js';
import {
  applyHost,
  hasWork,
  HostLostError,
  LockedError,
  planSteps,
  probeHost,
  reportPlan,
  toStepError,
  type HostJob,
  type HostProbe,
  type HostTally,
  withHostLock,
} from './host-run.js';
import type { PlannedStep } from './plan.js';

/** Exit codes the engine decides; the CLI adds its own (usage, invalid inventory). */
export const RunExit = {
  Ok: ExitCode.Ok,
  Failed: ExitCode.Failed,
  Unreachable: ExitCode.Unreachable,
  Locked: ExitCode.Locked,
} as const;

export interface RunJob extends HostJob {
  /** Hosts run group by group (real servers, then BACKUP, then MASTER); a group's hosts run in parallel. */
  group: number;
}

/**
 * A host that keeps a service up (the VIP) while a handler on another host interrupts it there
 * (keepalived restarting on the VRRP MASTER).
 */
export interface StandIn {
  peer: string;
  /**
   * Runs `interrupt` (the handler) while `peer` holds the service and says what happened through
   * `report`. A stand-in that fails only costs the interruption it meant to hide: it reports that
   * and still runs `interrupt`.
   */
  around(
    hosts: { self: Transport; peer: Transport },
    interrupt: () => Promise<void>,
    report: { note(message: string): void; warn(message: string): void },
  ): Promise<void>;
}

export interface HostWorkContext {
  job: RunJob;
  probe: HostProbe;
  transport: Transport;
  runId: string;
  /** Who runs lbprov, for the lock's info file. */
  owner: string;
  emit(event: EngineEvent): void;
  downloads: ControlDownloads;
  builds: SharedBuilds;
  aroundHandler(handler: PlannedStep, run: () => Promise<void>): Promise<void>;
}

/** What a run does to one reachable, probed host; apply and --dry-run are the default. */
export type HostWork = (context: HostWorkContext) => Promise<HostTally>;

/** Modes that never write to a host: a held lock only makes their report possibly stale. */
const READ_ONLY: ReadonlySet<RunMode> = new Set(['dry-run', 'destroy-dry-run', 'status']);

export interface RunRequest {
  mode: RunMode;
  /** Replaces the default apply / dry-run work (destroy, status). */
  work?: HostWork;
  jobs: RunJob[];
  /** Hosts contacted at once (DEFAULT_CONCURRENCY unless the user says). */
  concurrency: number;
  connect(job: RunJob): Promise<Transport>;
  emit(event: EngineEvent): void;
  masker: SecretMasker;
  /** Run-wide notices that follow from what the probe found ("VRRP-only: this kernel has no IPVS"). */
  flagsFor?(job: RunJob, probe: HostProbe): string[];
  /** Who, if anyone, stands in for `job` while its handler `handlerId` runs (apply only). */
  standInFor?(job: RunJob, handlerId: string): StandIn | undefined;
}

export interface RunOutcome {
  exitCode: number;
  hosts: Record<string, HostSummary>;
}

interface HostState {
  job: RunJob;
  started: number;
  transport?: Transport;
  probe?: HostProbe;
  unreachable?: StepError;
  failure?: StepError;
  locked?: boolean;
  tally: HostTally;
}

export async function run(request: RunRequest): Promise<RunOutcome> {
  const started = Date.now();
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
  const emit = (event: EngineEvent): void => request.emit(request.masker.maskDeep(event));
  const limit = pLimit(Math.max(1, request.concurrency));
  const flags = new Set<string>();
  const downloads = new ControlDownloads();
  const builds = new SharedBuilds();
  const states = request.jobs.map<HostState>((job) => ({
    job,
    started: Date.now(),
    tally: { ok: 0, changed: 0, failed: 0 },
  }));
  emit({ type: 'run', run_id: runId, mode: request.mode, hosts: request.jobs.map((job) => job.name) });

  // Phase one, every host at once: connect and read (one round trip). Nothing is written.
  await Promise.all(
    states.map((state) =>
      limit(async () => {
        emit({ type: 'host_start', host: state.job.name, role: state.job.role });
        try {
          state.transport = await request.connect(state.job);
        } catch (error) {
          state.unreachable =
            error instanceof UnreachableError
              ? { message: error.message, hint: error.hint }
              : toStepError(error);
          return;
        }
        try {
          state.probe = await probeHost(state.transport, state.job);
          for (const flag of request.flagsFor?.(state.job, state.probe) ?? []) flags.add(flag);
        } catch (error) {
          if (error instanceof UnreachableError) {
            state.unreachable = { message: error.message, hint: error.hint };
            return;
          }
          state.failure = toStepError(error);
        }
      }),
    ),
  );

  const groups = [...new Set(states.map((state) => state.job.group))].sort((a, b) => a - b);
  let stopAfter: string | undefined;
  for (const group of groups) {
    const members = states.filter((state) => state.job.group === group);
    await Promise.all(
      members.map((state) =>
        limit(async () => {
          if (!state.unreachable && !state.failure) {
            if (stopAfter)
              state.failure = {
                message: `not run: ${stopAfter} failed first`,
                hint: `fix that host, then run ${request.mode.startsWith('destroy') ? 'destroy' : 'apply'} again`,
              };
            else await onHost(state, request, { runId, emit, downloads, builds, states });
          }
          finishHost(state, emit);
        }),
      ),
    );
    // A host that could not be reached is left out, as Ansible leaves it out of the play; the next
    // group still runs (keepalived's health check keeps an unready real server out of the pool). A
    // host that failed stops the next groups: what broke there may break them too.
    const failedHere = members.find((state) => state.failure || state.tally.failed > 0 || state.locked);
    if (failedHere && !READ_ONLY.has(request.mode)) stopAfter ??= failedHere.job.name;
  }

  await Promise.all(states.map((state) => state.transport?.close().catch(() => undefined)));

  const hosts: Record<string, HostSummary> = {};
  for (const state of states) {
    hosts[state.job.name] = {
      ok: state.tally.ok,
      changed: state.tally.changed,
      failed: state.tally.failed + (state.failure && state.tally.failed === 0 ? 1 : 0),
      unreachable: state.unreachable !== undefined,
    };
  }
  const exitCode = states.some((state) => state.locked)
    ? RunExit.Locked
    : Object.values(hosts).some((host) => host.failed > 0)
      ? RunExit.Failed
      : Object.values(hosts).some((host) => host.unreachable)
        ? RunExit.Unreachable
        : RunExit.Ok;
  emit({
    type: 'summary',
    hosts,
    mode: request.mode,
    changed: Object.values(hosts).reduce((sum, host) => sum + host.changed, 0),
    duration_ms: Date.now() - started,
    exit_code: exitCode,
    flags: [...flags],
  });
  return { exitCode, hosts };
}

async function onHost(
  state: HostState,
  request: RunRequest,
  context: {
    runId: string;
    emit: (event: EngineEvent) => void;
    downloads: ControlDownloads;
    builds: SharedBuilds;
    states: HostState[];
  },
): Promise<void> {
  const { job, probe, transport } = state;
  if (!probe || !transport) return;
  if (probe.lock.held) {
    if (READ_ONLY.has(request.mode)) {
      context.emit({
        type: 'warning',
        host: job.name,
        message: `another lbprov run holds the lock (${probe.lock.holder}): this report may be outdated`,
      });
    } else {
      state.locked = true;
      state.failure = {
        message: `another lbprov run holds the lock on ${job.name} (${probe.lock.holder})`,
        hint: 'wait for it to finish; a lock whose run died is released by the kernel when its SSH session ends',
      };
      return;
    }
  }
  const work = request.work ?? (request.mode === 'dry-run' ? planWork : applyWork);
  const owner = `${process.env.USER ?? 'someone'}@${hostname()}`;
  try {
    state.tally = await work({
      job,
      probe,
      transport,
      runId: context.runId,
      owner,
      emit: context.emit,
      downloads: context.downloads,
      builds: context.builds,
      aroundHandler: (handler, runHandler) =>
        withStandIn(request.standInFor?.(job, handler.id), state, handler, runHandler, {
          ...context,
          owner,
        }),
    });
  } catch (error) {
    if (error instanceof LockedError) {
      state.locked = true;
      state.failure = { message: error.message, hint: 'wait for the other run to finish, then try again' };
    } else if (error instanceof HostLostError) {
      state.tally = error.tally;
      state.unreachable = { message: error.lost.message, hint: error.lost.hint };
    } else if (error instanceof UnreachableError) {
      state.unreachable = { message: error.message, hint: error.hint };
    } else {
      state.failure = toStepError(error);
    }
  }
}

/**
 * Runs a handler with the stand-in the procedure names holding the service meanwhile, under the
 * stand-in's lock (its own run is over by then: groups run one after the other). Without a usable
 * stand-in the handler runs anyway, and the run says what the interruption costs.
 */
async function withStandIn(
  standIn: StandIn | undefined,
  state: HostState,
  handler: PlannedStep,
  runHandler: () => Promise<void>,
  context: { runId: string; owner: string; emit: (event: EngineEvent) => void; states: HostState[] },
): Promise<void> {
  if (!standIn || !state.transport) return runHandler();
  const host = state.job.name;
  const warn = (message: string) => context.emit({ type: 'warning', host, message });
  const note = (message: string) => context.emit({ type: 'note', host, message });
  const peer = context.states.find((candidate) => candidate.job.name === standIn.peer);
  const unusable = !peer
    ? 'it is not part of this run (--limit)'
    : peer.unreachable
      ? 'it is unreachable'
      : peer.failure || peer.tally.failed > 0 || !peer.transport || !peer.probe
        ? 'its own run did not succeed'
        : undefined;
  if (unusable || !peer?.transport || !peer.probe) {
    warn(`${handler.name} without ${standIn.peer} standing in: ${unusable}`);
    return runHandler();
  }
  const self = state.transport;
  const peerTransport = peer.transport;
  // Its run swept its staged files already: nothing to report again.
  const peerProbe: HostProbe = { ...peer.probe, lock: { held: false, staged: 0 } };
  // The handler's own failures are this host's; the stand-in's are only reported.
  let handlerRan = false;
  let handlerError: { error: unknown } | undefined;
  const interrupt = async () => {
    handlerRan = true;
    try {
      await runHandler();
    } catch (error) {
      handlerError = { error };
      throw error;
    }
  };
  try {
    await withHostLock(peerTransport, peer.job, peerProbe, context, () =>
      standIn.around({ self, peer: peerTransport }, interrupt, { note, warn }),
    );
  } catch (error) {
    if (handlerError) throw handlerError.error;
    const reason = toStepError(error).message;
    if (handlerRan) {
      warn(`${standIn.peer} standing in while ${handler.name}: ${reason}; the next apply puts it back`);
      return;
    }
    warn(`${handler.name} without ${standIn.peer} standing in: ${reason}`);
    await runHandler();
  }
}

const planWork: HostWork = async ({ job, probe, emit }) => reportPlan(job, probe, emit);

const applyWork: HostWork = async (context) => {
  const { job, probe, emit } = context;
  const verdicts = planSteps(job, probe);
  if (!hasWork(job, probe, verdicts)) {
    // Converged: report each step from the probe alone; no lock, no second round trip.
    const tally: HostTally = { ok: 0, changed: 0, failed: 0 };
    for (const { step, result } of verdicts) {
      tally.ok += 1;
      emit({
        type: 'step',
        host: job.name,
        step: step.id,
        name: step.name,
        status: result.status === 'skip' ? 'skipped' : 'ok',
        reason: result.status === 'ok' || result.status === 'skip' ? result.reason : '',
        duration_ms: 0,
      });
    }
    return tally;
  }
  return applyHost(context.transport, job, probe, context);
};

function finishHost(state: HostState, emit: (event: EngineEvent) => void): void {
  const error = state.unreachable ?? state.failure ?? state.tally.error;
  emit({
    type: 'host_end',
    host: state.job.name,
    ok: state.tally.ok,
    changed: state.tally.changed,
    failed: state.tally.failed + (state.failure && state.tally.failed === 0 ? 1 : 0),
    unreachable: state.unreachable !== undefined,
    duration_ms: Date.now() - state.started,
    ...(error ? { error } : {}),
  });
}
