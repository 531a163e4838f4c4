import type { EngineEvent } from '../engine/events.js';
import { run, type RunOutcome, type RunRequest } from '../engine/run.js';
import type { Renderer } from './output/types.js';
import { openSession, SetupError, type Session } from './session.js';
import { trace } from './trace.js';

/**
 * A failure before any host is contacted is the user's to fix: one line and its exit code, not a
 * bug report. With --json it is events like any run's: the error, then the summary line last.
 */
export async function reportSetupError(
  work: () => Promise<number>,
  json?: { mode: string },
): Promise<number> {
  const started = Date.now();
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    if (!json) {
      process.stderr.write(`lbprov: ${error.message}\n`);
      return error.exitCode;
    }
    const events = [
      { type: 'error', message: error.message, exit_code: error.exitCode },
      {
        type: 'summary',
        hosts: {},
        mode: json.mode,
        changed: 0,
        duration_ms: Date.now() - started,
        exit_code: error.exitCode,
        flags: [],
        error: error.message,
      },
    ];
    process.stdout.write(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    for (const event of events) trace().event(event);
    return error.exitCode;
  }
}

/** The session of a command that reports through a renderer: --json keeps the inventory's warnings off stderr. */
export function openRunSession(
  file: string,
  options: { json?: boolean; limit?: string[] },
  secrets: 'required' | 'when-set' = 'required',
): Promise<Session> {
  return openSession(file, {
    secrets,
    ...(options.limit ? { limit: options.limit } : {}),
    // With --json the inventory's warnings are events too, not text beside them.
    warn: (message) =>
      options.json
        ? process.stdout.write(`${JSON.stringify({ type: 'warning', message })}\n`)
        : process.stderr.write(`${message}\n`),
  });
}

/**
 * Runs the engine on the session's hosts and waits until the renderer has drawn everything.
 * `handle` sees each event; by default it goes to the renderer.
 */
export async function runOnHosts(
  session: Session,
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
        session.jobs.find((candidate) => candidate.name === job.name)!,
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
