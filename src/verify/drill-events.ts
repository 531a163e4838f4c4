/** What a drill reports as it goes, for people (one line each) and as JSON lines. */
import type { Timeliness } from './timing.js';

export interface Measurement {
  what: string;
  /** From the action (stop or start) to the first poll that saw it; null when never seen. */
  measured_ms: number | null;
  /** keepalived's own bound for it. */
  expected_ms: number;
  /** What a poll and process start-up add on top of the bound before it counts as slow. */
  tolerance_ms: number;
  timeliness: Timeliness;
}

export interface DrillResult {
  type: 'result';
  drill: 'failover' | 'realserver';
  measurements: Measurement[];
  /** Parts the cluster cannot show (a kernel without IPVS). */
  not_provable: string[];
  problems: string[];
  restored: boolean;
  interrupted: boolean;
  poll_interval_ms: number;
  exit_code: number;
}

export type DrillEvent =
  | { type: 'drill'; drill: 'failover' | 'realserver'; plan: string }
  | { type: 'action'; host: string; action: string; command: string; at_ms: number }
  | { type: 'observed'; host: string; what: string; at_ms: number }
  | { type: 'not_provable'; host: string; what: string; reason: string }
  | { type: 'warning'; host?: string; message: string }
  | DrillResult;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export function drillLines(event: DrillEvent): string[] {
  switch (event.type) {
    case 'drill':
      return [`lbprov drill ${event.drill}: ${event.plan}`];
    case 'action':
      return [`[${seconds(event.at_ms).padStart(8)}] ${event.host}: ${event.action}  $ ${event.command}`];
    case 'observed':
      return [`[${seconds(event.at_ms).padStart(8)}] ${event.host}: ${event.what}`];
    case 'not_provable':
      return [`!! NOT PROVABLE on ${event.host}: ${event.what}: ${event.reason}`];
    case 'warning':
      return [`${event.host ? `[${event.host}] ` : ''}warning: ${event.message}`];
    case 'result': {
      const lines = ['', `Result (polled every ${event.poll_interval_ms} ms):`];
      for (const m of event.measurements) {
        lines.push(
          `  ${m.what}: ${m.measured_ms === null ? 'NOT OBSERVED' : seconds(m.measured_ms)} ` +
            `(keepalived's bound ${seconds(m.expected_ms)}, tolerance +${seconds(m.tolerance_ms)}: ${m.timeliness})`,
        );
      }
      for (const part of event.not_provable) lines.push(`  !! NOT PROVABLE: ${part}`);
      for (const problem of event.problems) lines.push(`  problem: ${problem}`);
      lines.push(
        event.restored
          ? '  original state restored'
          : '  !! the original state was NOT restored: see the problems above',
      );
      if (event.interrupted) lines.push('  (interrupted)');
      lines.push(`exit code ${event.exit_code}`);
      return lines;
    }
  }
}
