/** What a drill reports as it goes, for people: one line per action and observation, then the result. */
import type { DrillEvent } from '../../engine/events.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export function drillLines(event: Exclude<DrillEvent, { type: 'warning' }>): string[] {
  switch (event.type) {
    case 'drill':
      return [`lbprov drill ${event.drill}: ${event.plan}`];
    case 'action':
      return [`[${seconds(event.at_ms).padStart(8)}] ${event.host}: ${event.action}  $ ${event.command}`];
    case 'observed':
      return [`[${seconds(event.at_ms).padStart(8)}] ${event.host}: ${event.what}`];
    case 'not_provable':
      return [`!! NOT PROVABLE on ${event.host}: ${event.what}: ${event.reason}`];
    case 'result': {
      const lines = ['', `Result (polled every ${event.poll_interval_ms} ms):`];
      for (const m of event.measurements) {
        const earliest = m.earliest_ms === undefined ? '' : `not before ${seconds(m.earliest_ms)}, `;
        lines.push(
          `  ${m.what}: ${m.measured_ms === null ? 'NOT OBSERVED' : seconds(m.measured_ms)} ` +
            `(${earliest}keepalived's bound ${seconds(m.expected_ms)}, tolerance +${seconds(m.tolerance_ms)}: ${m.timeliness})`,
        );
      }
      if (event.vip_on) lines.push(`  the VIP is on ${event.vip_on.join(' and ') || 'NO director'} now`);
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
