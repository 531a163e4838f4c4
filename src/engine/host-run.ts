import type { FactValues } from '../facts/fact.js';
import { factValue } from '../facts/fact.js';
import { hostFacts, type HostFacts } from '../facts/host.js';
import type { CheckResult, HostContext, UndoRecord } from '../steps/types.js';
import { sha256 } from '../steps/file-change.js';
import { UnreachableError, type Transport } from '../transport/types.js';
import { ActionError, ControlDownloads, runAction, writeFileAtomically, type Built } from './actions.js';
import type { SharedBuilds } from './shared-builds.js';
import { notRunStep, type Emit, type StepError, type StepStatus } from './events.js';
import { gather, ProbeError } from './gather.js';
import {
  LOCK_BUSY,
  LOCK_READY,
  lockFact,
  lockHolderScript,
  STAGE_UNWRITABLE,
  type LockState,
} from './lock.js';
import { checkStep, factsFor, type PlannedStep } from './plan.js';
import {
  emptyRecord,
  hasResource,
  RECORD_DIR,
  RECORD_PATH,
  recordFact,
  STAGE_DIR,
  withUndo,
  type BuildRecord,
  type HostRecord,
} from './record.js';

export interface HostJob {
  name: string;
  role: string;
  steps: PlannedStep[];
  handlers: PlannedStep[];
  vars: Record<string, unknown>;
}

export interface HostProbe {
  facts: FactValues;
  host: HostFacts;
  record?: HostRecord;
  lock: LockState;
}

export interface HostTally {
  ok: number;
  changed: number;
  failed: number;
  error?: StepError;
}

/** One round trip: every fact of every step and handler, the host record and the lock state. */
export async function probeHost(transport: Transport, job: HostJob): Promise<HostProbe> {
  const values = await gather(transport, [
    ...factsFor([...job.steps, ...job.handlers]),
    recordFact,
    lockFact,
  ]);
  return {
    facts: values,
    host: factValue(values, hostFacts),
    record: factValue(values, recordFact),
    lock: factValue(values, lockFact),
  };
}

interface Verdict {
  step: PlannedStep;
  result: CheckResult;
}

function hostContext(job: HostJob, probe: HostProbe): HostContext {
  return { name: job.name, facts: probe.host, fetched: probe.record?.fetched ?? {} };
}

export function planSteps(job: HostJob, probe: HostProbe): Verdict[] {
  const host = hostContext(job, probe);
  return job.steps.map((step) => ({ step, result: checkStep(step, probe.facts, host, job.vars) }));
}

function statusOf(result: CheckResult, dryRun: boolean): StepStatus {
  switch (result.status) {
    case 'ok':
      return 'ok';
    case 'skip':
      return 'skipped';
    case 'fail':
      return 'failed';
    case 'change':
      return dryRun ? 'would_change' : 'changed';
  }
}

/** --dry-run for one host: report the plan; nothing is written anywhere. */
export function reportPlan(job: HostJob, probe: HostProbe, emit: Emit): HostTally {
  const tally: HostTally = { ok: 0, changed: 0, failed: 0 };
  const changing = new Set<string>();
  for (const { step, result } of planSteps(job, probe)) {
    let status = statusOf(result, true);
    let reason = result.status === 'change' ? undefined : result.reason;
    const upstream = step.dependsOn.filter((id) => changing.has(id));
    if (status === 'ok' && upstream.length > 0) {
      status = 'may_change';
      reason = `ok now, but builds on ${upstream.join(', ')}, which would change first`;
    }
    if (status === 'would_change' || status === 'may_change') {
      changing.add(step.id);
      tally.changed += 1;
      for (const handler of step.notify) changing.add(handler);
    } else if (status === 'failed') tally.failed += 1;
    else tally.ok += 1;
    emit({
      type: 'step',
      host: job.name,
      step: step.id,
      name: step.name,
      status,
      ...(reason ? { reason } : {}),
      ...(result.status === 'change'
        ? {
            description: result.change.description,
            ...(result.change.diff ? { diff: result.change.diff } : {}),
          }
        : {}),
      ...(result.status === 'fail' ? { error: { message: result.reason, hint: result.hint } } : {}),
      duration_ms: 0,
    });
  }
  const pending = new Set([...(probe.record?.pending_handlers ?? [])]);
  for (const handler of job.handlers) {
    if (pending.has(handler.id) || changing.has(handler.id)) {
      tally.changed += 1;
      emit({
        type: 'step',
        host: job.name,
        step: handler.id,
        name: handler.name,
        status: pending.has(handler.id) ? 'would_change' : 'may_change',
        reason: pending.has(handler.id)
          ? 'left pending by an interrupted run'
          : 'runs if the steps that notify it change',
        duration_ms: 0,
      });
    }
  }
  return tally;
}

/**
 * Whether an apply has anything to do on this host (a no-op run stops after the probe). A caller
 * that reports the steps of a converged host passes the verdicts it reports: checked once.
 */
export function hasWork(job: HostJob, probe: HostProbe, verdicts = planSteps(job, probe)): boolean {
  if ((probe.record?.pending_handlers.length ?? 0) > 0) return true;
  if (probe.record?.last_run && !probe.record.last_run.finished) return true;
  // They may hold secrets: the run sweeps them under the lock.
  if (probe.lock.staged > 0) return true;
  return verdicts.some(({ result }) => result.status === 'change' || result.status === 'fail');
}

interface ApplyContext {
  runId: string;
  owner: string;
  downloads: ControlDownloads;
  builds: SharedBuilds;
  emit: Emit;
  /** Runs a handler; where it interrupts a service another host can hold meanwhile, around that. */
  aroundHandler?(handler: PlannedStep, run: () => Promise<void>): Promise<void>;
}

export class LockedError extends Error {}

/** The connection to a host died mid-run: what the run did there up to that point, and why. */
export class HostLostError extends Error {
  constructor(
    readonly lost: UnreachableError,
    readonly tally: HostTally,
  ) {
    super(lost.message);
  }
}

/**
 * Runs `work` while holding the host's lock. The lock lives as long as the SSH session, so a run
 * that dies releases it; the info file a dead run leaves behind is reported as stale.
 */
export async function withHostLock<T>(
  transport: Transport,
  job: { name: string },
  probe: HostProbe,
  context: { runId: string; owner: string; emit: Emit },
  work: () => Promise<T>,
): Promise<T> {
  const holder = await transport.hold(
    lockHolderScript(`${context.owner} run ${context.runId} since ${new Date().toISOString()}`),
    LOCK_READY,
  );
  if (holder.banner.includes(LOCK_BUSY)) {
    await holder.release();
    const who = holder.banner.replace(LOCK_BUSY, '').replace(LOCK_READY, '').trim();
    throw new LockedError(`another lbprov run holds the lock on ${job.name} (${who || 'unknown holder'})`);
  }
  if (holder.banner.includes(STAGE_UNWRITABLE)) {
    await holder.release();
    throw new ActionError(
      `lbprov could not prepare ${STAGE_DIR} on ${job.name}`,
      `prepare ${STAGE_DIR} (under the lock)`,
      holder.banner.replace(STAGE_UNWRITABLE, '').replace(LOCK_READY, '').trim(),
      `check that ${RECORD_DIR} is on a writable file system with free space`,
    );
  }
  try {
    if (probe.lock.staged > 0) {
      context.emit({
        type: 'warning',
        host: job.name,
        message: `removed ${probe.lock.staged} staged file(s) a run that died had uploaded but not yet put in place`,
      });
    }
    if (probe.lock.held === false && probe.lock.stale) {
      context.emit({
        type: 'warning',
        host: job.name,
        message: `a previous run died while holding the lock (${probe.lock.stale}); the kernel released it, this run goes on`,
      });
    }
    return await work();
  } finally {
    // A lost connection cannot be released, and needs not be: sshd ends the session, and with it
    // the lock, once it learns the connection is gone. What the run saw matters more.
    await holder.release().catch(() => undefined);
  }
}

/**
 * Applies one host under its lock. Every change first records its undo (so an interrupted run can
 * still be undone), then runs, then records what it wrote. A failure stops the rest of the host.
 */
export async function applyHost(
  transport: Transport,
  job: HostJob,
  probe: HostProbe,
  context: ApplyContext,
): Promise<HostTally> {
  return withHostLock(transport, job, probe, context, () => applyUnderLock(transport, job, context));
}

async function applyUnderLock(transport: Transport, job: HostJob, context: ApplyContext): Promise<HostTally> {
  const tally: HostTally = { ok: 0, changed: 0, failed: 0 };
  try {
    return await applySteps(transport, job, context, tally);
  } catch (error) {
    // Lost while reading facts or saving the record, between steps.
    if (error instanceof UnreachableError) throw new HostLostError(error, tally);
    throw error;
  }
}

async function applySteps(
  transport: Transport,
  job: HostJob,
  context: ApplyContext,
  tally: HostTally,
): Promise<HostTally> {
  const { emit } = context;
  // Facts read before the lock may be stale: read them again now that nobody else can change them.
  const probe = await probeHost(transport, job);
  let record: HostRecord = probe.record ?? emptyRecord();
  if (record.last_run && !record.last_run.finished) {
    emit({
      type: 'warning',
      host: job.name,
      message: `run ${record.last_run.id} (started ${record.last_run.started}) was interrupted; this run finishes it`,
    });
  }
  record = { ...record, last_run: { id: context.runId, started: new Date().toISOString() } };
  let recordSaved = false;
  const save = async (next: HostRecord): Promise<void> => {
    record = next;
    await saveRecord(transport, record);
    recordSaved = true;
  };
  const host = hostContext(job, probe);
  let facts: FactValues = probe.facts;
  let changedSoFar = false;
  let failed = false;
  const pending = new Set(record.pending_handlers);

  const runStep = async (step: PlannedStep): Promise<void> => {
    if (failed) {
      emit(notRunStep(job.name, step, 'an earlier step failed'));
      return;
    }
    const started = Date.now();
    emit({ type: 'step_start', host: job.name, step: step.id, name: step.name });
    if (changedSoFar) facts = await refresh(transport, step, facts);
    const result = checkStep(step, facts, host, job.vars);
    const base = { type: 'step' as const, host: job.name, step: step.id, name: step.name };
    if (result.status === 'ok' || result.status === 'skip') {
      tally.ok += 1;
      emit({
        ...base,
        status: result.status === 'ok' ? 'ok' : 'skipped',
        reason: result.reason,
        duration_ms: Date.now() - started,
      });
      return;
    }
    if (result.status === 'fail') {
      failed = true;
      tally.failed += 1;
      tally.error = { message: `${step.name}: ${result.reason}`, hint: result.hint };
      emit({
        ...base,
        status: 'failed',
        error: { message: result.reason, hint: result.hint },
        duration_ms: Date.now() - started,
      });
      return;
    }
    const change = result.change;
    const notified = step.notify.filter((name) => !pending.has(name));
    for (const name of notified) pending.add(name);
    // Intent first: if the run dies inside this step, destroy still knows what to undo.
    await save({ ...withUndo(record, change.undo), pending_handlers: [...pending] });
    // A copy is kept only of what lbprov found: a path an earlier run recorded is lbprov's own.
    const backups = new Map(
      change.undo
        .filter(
          (undo): undo is UndoRecord & { kind: 'restore_file' | 'restore_path' } =>
            undo.kind === 'restore_file' || undo.kind === 'restore_path',
        )
        .map((undo) => [undo.path, undo.resource]),
    );
    const fetched: Record<string, string> = {};
    const built: Record<string, BuildRecord> = {};
    let description = change.description;
    try {
      for (const action of change.actions) {
        const outcome = await runAction(action, {
          transport,
          downloads: context.downloads,
          builds: context.builds,
          needsBackup: (path) => {
            const resource = backups.get(path);
            return resource !== undefined && !hasResource(probe.record ?? emptyRecord(), resource);
          },
          progress: (line) =>
            emit({ ...base, type: 'step_progress', line, elapsed_ms: Date.now() - started }),
        });
        if (outcome?.kind === 'fetched') fetched[outcome.dest] = outcome.sha256;
        if (outcome?.kind === 'built') {
          built[outcome.binary] = {
            subject: outcome.subject,
            sha256: outcome.sha256,
            built_on: outcome.builtOn,
          };
          description = builtDescription(description, outcome, job.name);
        }
      }
    } catch (error) {
      failed = true;
      if (error instanceof UnreachableError) {
        // Whether the step finished is unknown: the host is lost, not failed, and the next run
        // finishes it (its undo is recorded already).
        emit({
          ...base,
          status: 'failed',
          description: change.description,
          error: { message: error.message, hint: error.hint },
          duration_ms: Date.now() - started,
        });
        throw new HostLostError(error, tally);
      }
      tally.failed += 1;
      const stepError = toStepError(error);
      tally.error = { ...stepError, message: `${step.name}: ${stepError.message}` };
      emit({
        ...base,
        status: 'failed',
        description: change.description,
        error: stepError,
        duration_ms: Date.now() - started,
      });
      return;
    }
    const written = Object.fromEntries(
      change.actions.flatMap((action) =>
        action.kind === 'write_file' ? [[action.path, sha256(action.content)]] : [],
      ),
    );
    for (const handler of step.satisfies) pending.delete(handler);
    const recorded = [written, fetched, built].some((entries) => Object.keys(entries).length > 0);
    if (recorded || step.satisfies.length > 0) {
      await save({
        ...record,
        files: { ...record.files, ...written },
        ...(Object.keys(fetched).length > 0 ? { fetched: { ...record.fetched, ...fetched } } : {}),
        ...(Object.keys(built).length > 0 ? { builds: { ...record.builds, ...built } } : {}),
        pending_handlers: [...pending],
      });
    }
    changedSoFar = true;
    tally.changed += 1;
    emit({
      ...base,
      status: 'changed',
      description,
      ...(change.diff ? { diff: change.diff } : {}),
      duration_ms: Date.now() - started,
    });
  };

  for (const step of job.steps) await runStep(step);

  if (!failed) {
    for (const handler of job.handlers) {
      if (!pending.has(handler.id)) continue;
      const runHandler = () => runStep(handler);
      await (context.aroundHandler ? context.aroundHandler(handler, runHandler) : runHandler());
      if (failed) break;
      pending.delete(handler.id);
      await save({ ...record, pending_handlers: [...pending] });
    }
  }
  if (!failed) {
    await save({ ...record, last_run: { ...record.last_run!, finished: new Date().toISOString() } });
  } else if (!recordSaved) {
    await save(record);
  }
  return tally;
}

/** Says where the installed build was compiled, and why a shipped one was not used. */
function builtDescription(description: string, built: Built, host: string): string {
  if (built.builtOn !== host)
    return `${description}: installed the build compiled on ${built.builtOn} (same platform)`;
  return built.notUsed
    ? `${description} (the build shipped here was not used: ${built.notUsed})`
    : description;
}

async function refresh(transport: Transport, step: PlannedStep, facts: FactValues): Promise<FactValues> {
  const fresh = await gather(transport, [hostFacts, ...step.module.facts(step.args)]);
  return new Map([...facts, ...fresh]);
}

export async function saveRecord(transport: Transport, record: HostRecord): Promise<void> {
  await writeFileAtomically(
    transport,
    {
      path: RECORD_PATH,
      content: Buffer.from(`${JSON.stringify(record, null, 2)}\n`),
      mode: 0o600,
      owner: 'root',
      group: 'root',
    },
    false,
  );
}

/** How a host reports what went wrong there; a probe's failure reads the same in every mode. */
export function toStepError(error: unknown): StepError {
  if (error instanceof ActionError) {
    return { message: error.message, command: error.command, output: error.output, hint: error.hint };
  }
  if (error instanceof ProbeError) {
    return {
      message: `reading the host's state failed: ${error.message}`,
      output: error.output,
      hint: 'check that the host has a POSIX shell and coreutils',
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
