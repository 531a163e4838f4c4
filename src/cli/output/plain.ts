import type { EngineEvent } from '../../engine/events.js';
import type { Renderer } from './types.js';
import { EventLines, isStepEvent, type StepEvent } from './event-lines.js';
import { errorLines, indent, progressDetail, STATUS_WORD } from './words.js';

/**
 * How often a long step says it still runs, at most: a log (CI kills a job that prints nothing for
 * a while) shows it alive without holding a build's every line.
 */
export const STILL_RUNNING_EVERY_MS = 30_000;

/** Line-oriented output for logs, CI and pipes: one line per step, diffs indented below. */
export class PlainRenderer implements Renderer {
  private readonly hostsWithFailedStep = new Set<string>();
  /** Per host: the step that runs there and how long it runs before its next still-running line. */
  private readonly stillRunningDue = new Map<string, { step: string; at: number }>();
  private readonly eventLines = new EventLines();

  constructor(
    private readonly options: { showDiffs: boolean },
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  private write(lines: string[]): void {
    this.out.write(`${lines.join('\n')}\n`);
  }

  handle(event: EngineEvent): void {
    if (!isStepEvent(event)) {
      const lines = this.eventLines.lines(event);
      if (lines.length > 0) this.write(lines);
      return;
    }
    this.handleStep(event);
  }

  private handleStep(event: StepEvent): void {
    switch (event.type) {
      case 'run':
        this.write([`lbprov ${event.mode}: ${event.hosts.join(', ')} (run ${event.run_id})`]);
        return;
      case 'host_start':
      case 'step_start':
        return;
      case 'step_progress': {
        const due = this.stillRunningDue.get(event.host);
        const at = due?.step === event.step ? due.at : STILL_RUNNING_EVERY_MS;
        const print = event.elapsed_ms >= at;
        this.stillRunningDue.set(event.host, {
          step: event.step,
          at: print ? event.elapsed_ms + STILL_RUNNING_EVERY_MS : at,
        });
        if (print) {
          this.write([
            `[${event.host}] ${'running'.padEnd(12)} ${event.name} ${progressDetail(event.line, event.elapsed_ms)}`,
          ]);
        }
        return;
      }
      case 'step': {
        const detail = event.description ?? event.reason ?? '';
        const lines = [
          `[${event.host}] ${STATUS_WORD[event.status].padEnd(12)} ${event.name}${detail ? `: ${detail}` : ''}`,
        ];
        if (event.diff && this.options.showDiffs) lines.push(indent(event.diff));
        if (event.error) {
          lines.push(...errorLines(event.error));
          this.hostsWithFailedStep.add(event.host);
        }
        this.write(lines);
        return;
      }
      case 'host_end': {
        if (event.unreachable && event.error) {
          this.write([`[${event.host}] UNREACHABLE`, ...errorLines(event.error)]);
        } else if (event.error && !this.hostsWithFailedStep.has(event.host)) {
          this.write([`[${event.host}] failed`, ...errorLines(event.error)]);
        }
        return;
      }
    }
  }

  async finish(): Promise<void> {}
}
