/** What a drill reports as it goes, for people: one line per action and observation, then the result. */
import type { DrillEvent, HeldConnectionReport, RedisWritesReport } from '../../engine/events.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

function heldConnectionLine(held: HeldConnectionReport): string {
  if (held.outcome === 'not opened') return `held connection through the VIP: NOT OPENED (${held.detail})`;
  const reset =
    held.outcome === 'reset'
      ? `RESET ${held.resets} time(s), first at ${seconds(held.reset_at_ms ?? 0)}`
      : 'kept';
  const synced =
    held.synced_after_ms === undefined
      ? ''
      : held.synced_after_ms === null
        ? "; NOT in the other director's IPVS table before the stop (connection sync)"
        : `; in the other director's IPVS table ${seconds(held.synced_after_ms)} after its connect (connection sync)`;
  return `held connection through the VIP: ${reset}; ${held.failed_commands} of ${held.commands} commands failed (unanswered within 1 s or lost)${synced}`;
}

function redisWritesLine(writes: RedisWritesReport): string {
  const via = {
    vip: 'through the VIP',
    sentinel: 'to the primary Sentinel named',
    primary: `to ${writes.old_primary} itself`,
  }[writes.via];
  const lost =
    writes.lost === null
      ? 'lost: NOT READ BACK'
      : `${writes.lost} acknowledged write(s) lost${writes.lost_numbers?.length ? ` (#${writes.lost_numbers.join(', #')})` : ''}`;
  return `writes ${via}: ${writes.acknowledged} of ${writes.attempts} acknowledged, ${writes.failed} failed; ${lost}`;
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
            `(${earliest}expected within ${seconds(m.expected_ms)}, tolerance +${seconds(m.tolerance_ms)}: ${m.timeliness})`,
        );
      }
      if (event.vip_on) lines.push(`  the VIP is on ${event.vip_on.join(' and ') || 'NO director'} now`);
      if (event.held_connection) lines.push(`  ${heldConnectionLine(event.held_connection)}`);
      if (event.redis_writes) lines.push(`  ${redisWritesLine(event.redis_writes)}`);
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
