import type { EngineEvent } from '../../engine/events.js';
import type { Renderer } from './types.js';
import { errorLines, indent, STATUS_WORD, summaryLines } from './words.js';

/** Line-oriented output for logs, CI and pipes: one line per step, diffs indented below. */
export class PlainRenderer implements Renderer {
  private readonly hostsWithFailedStep = new Set<string>();

  constructor(
    private readonly options: { showDiffs: boolean },
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  private write(lines: string[]): void {
    this.out.write(`${lines.join('\n')}\n`);
  }

  handle(event: EngineEvent): void {
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
      case 'warning':
        this.write([`${event.host ? `[${event.host}] ` : ''}warning: ${event.message}`]);
        return;
      case 'note':
        this.write([`[${event.host}] ${event.message}`]);
        return;
      case 'host_end': {
        if (event.unreachable && event.error) {
          this.write([`[${event.host}] UNREACHABLE`, ...errorLines(event.error)]);
        } else if (event.error && !this.hostsWithFailedStep.has(event.host)) {
          this.write([`[${event.host}] failed`, ...errorLines(event.error)]);
        }
        return;
      }
      case 'summary':
        this.write(summaryLines(event));
        return;
    }
  }

  async finish(): Promise<void> {}
}
