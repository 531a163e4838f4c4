import type { Transport } from '../transport/types.js';
import { planDestroy, withoutStep, type DestroyOptions, type UndoStep } from './destroy-plan.js';
import { findingsIn, forgetScript, undoScript } from './destroy-scripts.js';
import { judge, previewFacts, previewFindings, type Verdict } from './destroy-verdict.js';
import { notRunStep, type Emit, type StepError } from './events.js';
import { gather } from './gather.js';
import { probeHost, saveRecord, withHostLock, type HostTally } from './host-run.js';
import { RECORD_PATH, type HostRecord } from './record.js';
import type { HostWork, HostWorkContext } from './run.js';

/**
 * `lbprov destroy` on one host: the record's undo entries, newest first, each dropped from the
 * record as soon as it is done, so an interrupted destroy goes on where it stopped. A failed undo
 * stops the host there (a later destroy retries it); what cannot get better by retrying (a missing
 * backup, an unsafe path) is reported, left alone, and forgotten.
 */
export function destroyWork(options: DestroyOptions): HostWork {
  return async (context) => {
    if (!context.probe.record) return nothingHere(context.job.name, context.emit);
    return withHostLock(context.transport, context.job, context.probe, context, () =>
      destroyUnderLock(context, options),
    );
  };
}

/** `lbprov destroy --dry-run`: the undo steps and what they would find; one read, no lock, no write. */
export function destroyPreviewWork(options: DestroyOptions): HostWork {
  return async ({ job, probe, transport, runId, emit }) => {
    const record = probe.record;
    if (!record) return nothingHere(job.name, emit);
    warnIfApplyUnfinished(job.name, record, emit);
    const steps = planDestroy(record, options);
    const facts = await gather(transport, previewFacts(steps));
    const tally: HostTally = { ok: 0, changed: 0, failed: 0 };
    for (const step of steps) {
      const verdict =
        step.kind === 'undo'
          ? judge(step, previewFindings(step, facts), runId, true)
          : verdictWithoutScript(step, true);
      report(job.name, step, verdict, 0, emit, tally);
    }
    return tally;
  };
}

function nothingHere(host: string, emit: Emit): HostTally {
  emit({
    type: 'step',
    host,
    step: 'record',
    name: "lbprov's record",
    status: 'ok',
    reason: `nothing lbprov made here (no ${RECORD_PATH})`,
    duration_ms: 0,
  });
  return { ok: 1, changed: 0, failed: 0 };
}

function warnIfApplyUnfinished(host: string, record: HostRecord, emit: Emit): void {
  const run = record.last_run;
  if (!run || run.finished) return;
  emit({
    type: 'warning',
    host,
    message: `the last apply (run ${run.id}, started ${run.started}) did not finish: destroy undoes what it recorded, including the step it stopped in`,
  });
}

async function destroyUnderLock(context: HostWorkContext, options: DestroyOptions): Promise<HostTally> {
  const { job, transport, runId, emit } = context;
  // The record read before the lock may be stale: another run may have finished in between.
  let record = (await probeHost(transport, job)).record;
  if (!record) return nothingHere(job.name, emit);
  warnIfApplyUnfinished(job.name, record, emit);
  const tally: HostTally = { ok: 0, changed: 0, failed: 0 };
  let stoppedBy: string | undefined;
  for (const step of planDestroy(record, options)) {
    if (stoppedBy) {
      emit(notRunStep(job.name, step, `${stoppedBy} failed first`));
      continue;
    }
    const started = Date.now();
    emit({ type: 'step_start', host: job.name, step: step.id, name: step.name });
    const verdict = await runStep(transport, step, runId);
    if (verdict.retry) stoppedBy = step.name;
    else if (step.kind !== 'forget') {
      record = withoutStep(record, step);
      await saveRecord(transport, record);
    }
    report(job.name, step, verdict, Date.now() - started, emit, tally);
  }
  return tally;
}

async function runStep(transport: Transport, step: UndoStep, runId: string): Promise<Verdict> {
  if (step.kind === 'keep' || step.kind === 'refuse') return verdictWithoutScript(step, false);
  const script = step.kind === 'forget' ? forgetScript() : undoScript(step.entry, runId, step.writtenSha);
  const result = await transport.exec(script);
  if (result.code !== 0) return { status: 'failed', error: scriptError(step, script, result), retry: true };
  if (step.kind === 'forget') return { status: 'changed' };
  return judge(step, findingsIn(result.stdout), runId, false);
}

function verdictWithoutScript(step: UndoStep, dryRun: boolean): Verdict {
  switch (step.kind) {
    case 'keep':
      return { status: 'skipped', reason: step.reason };
    case 'refuse':
      return {
        status: 'failed',
        error: {
          message: step.reason,
          hint: `look at ${RECORD_PATH}; destroy leaves that path alone and forgets the entry`,
        },
      };
    default:
      return { status: dryRun ? 'would_change' : 'changed' };
  }
}

function scriptError(
  step: Extract<UndoStep, { kind: 'undo' | 'forget' }>,
  script: string,
  result: { code: number; stdout: string; stderr: string },
): StepError {
  return {
    message: `${step.description}: failed (exit code ${result.code})`,
    command: script,
    output: `${result.stdout}\n${result.stderr}`.split('\n').slice(-40).join('\n').trim(),
    hint: 'fix the cause on the host, then run lbprov destroy again: it goes on from this step (the steps done are not repeated)',
  };
}

function report(
  host: string,
  step: UndoStep,
  verdict: Verdict,
  durationMs: number,
  emit: Emit,
  tally: HostTally,
): void {
  if (verdict.warning) emit({ type: 'warning', host, message: verdict.warning });
  if (verdict.status === 'failed') {
    tally.failed += 1;
    tally.error ??= verdict.error && { ...verdict.error, message: `${step.name}: ${verdict.error.message}` };
  } else if (verdict.status === 'changed' || verdict.status === 'would_change') tally.changed += 1;
  else tally.ok += 1;
  emit({
    type: 'step',
    host,
    step: step.id,
    name: step.name,
    status: verdict.status,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    // Like apply's events: a description says what a step does, so only steps that act carry one.
    ...('description' in step && verdict.status !== 'ok' ? { description: step.description } : {}),
    ...(verdict.error ? { error: verdict.error } : {}),
    duration_ms: durationMs,
  });
}
