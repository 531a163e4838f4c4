import type { Check, DirectorLive, EngineEvent } from '../../engine/events.js';
import { checkLines, verifySummaryLines } from './check-lines.js';
import { drillLines } from './drill-lines.js';
import { clusterLines, statusLines } from './status-lines.js';
import { summaryLines } from './words.js';

/** The events each human renderer draws in its own way; every other event reads the same in all of them. */
export type StepEvent = Extract<
  EngineEvent,
  { type: 'run' | 'host_start' | 'step_start' | 'step_progress' | 'step' | 'host_end' }
>;

export function isStepEvent(event: EngineEvent): event is StepEvent {
  return ['run', 'host_start', 'step_start', 'step_progress', 'step', 'host_end'].includes(event.type);
}

/**
 * The lines of every event that is not a step's, for people. It remembers what a later line refers
 * to: evidence already shown, the checks a verify summary names, the live state status closes with.
 */
export class EventLines {
  private readonly printedEvidence = new Set<string>();
  private readonly checks: Check[] = [];
  private readonly live: DirectorLive[] = [];

  /** `boxes`: box-drawing characters (a terminal); by default where stdout is a terminal. */
  constructor(private readonly style: 'boxes' | 'ascii' = process.stdout.isTTY ? 'boxes' : 'ascii') {}

  lines(event: Exclude<EngineEvent, StepEvent>): string[] {
    switch (event.type) {
      case 'warning':
        return [`${event.host ? `[${event.host}] ` : ''}warning: ${event.message}`];
      case 'note':
        return [`[${event.host}] ${event.message}`];
      case 'summary':
        return summaryLines(event);
      case 'verify':
        return [`lbprov verify: ${event.file}`, ''];
      case 'check': {
        const { type: _type, ...check } = event;
        this.checks.push(check);
        return checkLines(check, this.printedEvidence);
      }
      case 'verify_summary':
        return [
          ...(this.live.length > 0 ? ['', ...clusterLines(event.vip, this.live, this.style)] : []),
          ...verifySummaryLines(event, this.checks),
        ];
      case 'live':
        // Drawn in the closing report: status's beside the drift, verify's above the verdict.
        this.live.push(event);
        return [];
      case 'status_summary':
        return statusLines(event, this.live, this.style);
      default:
        return drillLines(event);
    }
  }
}
