import type { EngineEvent } from '../../engine/events.js';
import type { Renderer } from './types.js';
import { EventLines, isStepEvent, type StepEvent } from './event-lines.js';
import { errorLines, indent, STATUS_WORD } from './words.js';

/** Line-oriented output for logs, CI and pipes: one line per step, diffs indented below. */
export class PlainRenderer implements Renderer {
  private readonly hostsWithFailedStep = new Set<string>();
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
