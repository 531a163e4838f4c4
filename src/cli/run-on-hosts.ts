import type { EngineEvent } from '../engine/events.js';
import { run, type RunOutcome, type RunRequest } from '../engine/run.js';
import { formatDiagnostic } from '../inventory/index.js';
import type { Renderer } from './output/types.js';
import { findingEvent, warningWriter } from './output/warnings.js';
import { openPlannedSession, SetupError, type PlannedSession } from './session.js';
import { trace } from './trace.js';

/** What a --json run that stopped before it began ends with: its command's last line, with the exit code. */
export type ClosingLine = (stopped: { error: string; exit_code: number; duration_ms: number }) => object;

/** The last line of apply, destroy, status and verify when they stop before they begin. */
export function runSummary(mode: string): ClosingLine {
  return (stopped) => ({ type: 'summary', hosts: {}, mode, changed: 0, flags: [], ...stopped });
}

/**
 * A stop before anything was changed is the user's to fix: its findings, one line and what to do,
 * and its exit code, not a bug report. With --json (`closing` given) it is events like any run's:
 * the inventory's findings as validate reports them, the error, then the closing line last.
 */
export async function reportSetupError(work: () => Promise<number>, closing?: ClosingLine): Promise<number> {
  const started = Date.now();
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    const { findings = [], hint } = error.details;
    if (!closing) {
      const lines = [
        ...findings.map(formatDiagnostic),
        `lbprov: ${error.message}`,
        ...(hint ? [`what to do: ${hint}`] : []),
      ];
      process.stderr.write(`${lines.join('\n')}\n`);
      return error.exitCode;
    }
    const events = [
      ...findings.map(findingEvent),
      { type: 'error', message: error.message, ...(hint ? { hint } : {}), exit_code: error.exitCode },
      closing({ error: error.message, exit_code: error.exitCode, duration_ms: Date.now() - started }),
    ];
    process.stdout.write(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    for (const event of events) trace().event(event);
    return error.exitCode;
  }
}

/** The session of a command that reports through a renderer; connectFirst: see openPlannedSession. */
export function openRunSession(
  file: string,
  options: { json?: boolean; limit?: string[] },
  secrets: 'required' | 'when-set' = 'required',
  connectFirst?: number,
): Promise<PlannedSession> {
  return openPlannedSession(file, {
    secrets,
    ...(options.limit ? { limit: options.limit } : {}),
    ...(connectFirst ? { connectFirst } : {}),
    warn: warningWriter(options.json),
  });
}

/**
 * Runs the engine on the session's hosts and waits until the renderer has drawn everything.
 * `handle` sees each event; by default it goes to the renderer.
 */
export async function runOnHosts(
  session: PlannedSession,
  renderer: Renderer,
  request: Omit<RunRequest, 'connect' | 'emit' | 'masker'>,
  handleEvent: (event: EngineEvent) => void = (event) => renderer.handle(event),
): Promise<RunOutcome> {
  const handle = (event: EngineEvent): void => {
    trace().event(event);
    handleEvent(event);
  };
  // A host key is recorded during the connect, outside the engine's event stream: the note waits
  // for the next event so that it is drawn in order, and is masked here as the engine's events are.
  const hostKeyNotes: EngineEvent[] = [];
  const outcome = await run({
    ...request,
    masker: session.masker,
    connect: (job) =>
      session.connect(
        session.jobs.find((candidate) => candidate.name === job.name)!.entry,
        (host, fingerprint) =>
          hostKeyNotes.push({
            type: 'warning',
            host,
            message: `recorded new host key ${fingerprint} (host_key_policy: accept-new)`,
          }),
      ),
    emit: (event) => {
      while (hostKeyNotes.length > 0) renderer.handle(session.masker.maskDeep(hostKeyNotes.shift()!));
      handle(event);
    },
  });
  await renderer.finish();
  return outcome;
}
