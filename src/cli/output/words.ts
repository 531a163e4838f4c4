import type { EngineEvent, StepStatus } from '../../engine/events.js';
import { escapeUnprintable } from '../../util/printable.js';

/** The word each status shows as, the same in every human renderer. */
export const STATUS_WORD: Record<StepStatus, string> = {
  ok: 'ok',
  changed: 'changed',
  would_change: 'would change',
  may_change: 'may change',
  skipped: 'skipped',
  failed: 'FAILED',
  not_run: 'not run',
};

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function indent(text: string, prefix = '    '): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

/** The closing lines every human renderer prints: one per host, then the verdict. */
export function summaryLines(event: Extract<EngineEvent, { type: 'summary' }>): string[] {
  const dry = event.mode === 'dry-run' || event.mode === 'destroy-dry-run';
  const lines = ['', 'Summary:'];
  for (const [host, tally] of Object.entries(event.hosts)) {
    lines.push(
      tally.unreachable
        ? `  ${host.padEnd(16)} UNREACHABLE`
        : `  ${host.padEnd(16)} ok=${tally.ok} ${dry ? 'would_change' : 'changed'}=${tally.changed} failed=${tally.failed}`,
    );
  }
  for (const flag of event.flags) lines.push(`  !! ${flag}`);
  const seconds = (event.duration_ms / 1000).toFixed(1);
  const failed = Object.values(event.hosts).some((tally) => tally.failed > 0 || tally.unreachable);
  if (failed) lines.push(`Finished with failures in ${seconds}s (exit code ${event.exit_code}).`);
  else if (event.changed === 0)
    lines.push(
      event.mode === 'destroy' || event.mode === 'destroy-dry-run'
        ? `Nothing to undo: nothing lbprov made is left on these hosts (${seconds}s).`
        : `Nothing to change: the cluster is converged (${seconds}s).`,
    );
  else if (dry)
    lines.push(`${plural(event.changed, 'step')} would change; nothing was changed (${seconds}s).`);
  else lines.push(`${plural(event.changed, 'step')} changed in ${seconds}s.`);
  return lines;
}

export function errorLines(error: {
  message: string;
  command?: string;
  output?: string;
  hint?: string;
}): string[] {
  const lines = [`    error: ${error.message}`];
  if (error.command) lines.push('    command:', indent(error.command, '      '));
  if (error.output) lines.push('    output:', indent(error.output, '      '));
  if (error.hint) lines.push(`    what to do: ${error.hint}`);
  return lines;
}

/**
 * The one line the task tree shows under a host that was lost or failed: the cause and what to do
 * (the whole error, with its command and output, follows the tree); undefined for a host that did
 * its work.
 */
export function hostTroubleLine(end: Extract<EngineEvent, { type: 'host_end' }>): string | undefined {
  if (!end.unreachable && end.failed === 0) return undefined;
  const verdict = end.unreachable ? 'UNREACHABLE' : 'FAILED';
  const cause =
    end.error?.message ?? (end.unreachable ? 'no answer' : `${plural(end.failed, 'step')} failed`);
  return `${verdict}: ${cause}${end.error?.hint ? `; what to do: ${end.error.hint}` : ''}`;
}

/** The steps of a host that did not run, as one line: the reason when they share one. */
export function notRunLine(count: number, reasons: ReadonlySet<string>): string | undefined {
  if (count === 0) return undefined;
  const [reason] = reasons;
  return `${plural(count, 'step')} not run${reasons.size === 1 ? ` (${reason})` : ''}`;
}

/** Elapsed time as a clock: 0:07, 12:41, 1:02:09. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const seconds = String(total % 60).padStart(2, '0');
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}:${seconds}`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${seconds}`;
}

/**
 * A running step's progress after its name: `(1:12): make[2]: Leaving directory ...`. The line is
 * a host's output: printable only (a tab is a space, as it mostly looks).
 */
export function progressDetail(line: string, elapsedMs: number): string {
  return `(${clock(elapsedMs)}): ${escapeUnprintable(line.replace(/\t/g, ' '))}`;
}
