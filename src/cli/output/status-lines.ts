/** How `lbprov status` reads for people: drift per host, each director's live state, the verdict. */
import type { DirectorLive, StatusSummary } from '../../engine/events.js';
import { ExitCode } from '../../util/exit-codes.js';

function driftLines(summary: StatusSummary): string[] {
  const lines = ['', 'Drift:'];
  for (const [host, tally] of Object.entries(summary.hosts)) {
    const mine = summary.drift.filter((item) => item.host === host);
    if (tally.unreachable) lines.push(`  ${host}: UNREACHABLE (not checked)`);
    else if (mine.length === 0) lines.push(`  ${host}: converged`);
    else {
      lines.push(
        `  ${host}: DRIFTED: ${mine
          .map(
            (item) =>
              `${item.name} (${item.status.replace('_', ' ')}${item.description ? `: ${item.description}` : ''})`,
          )
          .join('; ')}`,
      );
    }
  }
  return lines;
}

function liveLines(vip: string, directors: readonly DirectorLive[]): string[] {
  if (directors.length === 0) return ["Live state: unknown (no director's state could be read)"];
  const lines = ['Live state:'];
  for (const director of directors) {
    lines.push(
      `  ${director.host} (${director.state}): ${director.keepalived.running ? director.keepalived.detail : 'keepalived NOT running'}; ` +
        `${director.holds_vip ? `holds the VIP ${vip}` : 'does not hold the VIP'}`,
    );
    if (director.ipvs.available) {
      lines.push(
        '    $ ipvsadm -L -n --stats',
        ...director.ipvs.table.split('\n').map((line) => `      ${line}`),
      );
    } else {
      lines.push(`    IPVS table: ${director.ipvs.table}`);
    }
  }
  const holders = directors.filter((director) => director.holds_vip);
  lines.push(
    `  VIP ${vip}: ${
      holders.length === 0
        ? 'on NO director'
        : holders.map((director) => `on ${director.host} (${director.state})`).join(' and ')
    }`,
  );
  return lines;
}

/** The closing report of status: the drift, the directors' live state (`live`, read before), the verdict. */
export function statusLines(summary: StatusSummary, live: readonly DirectorLive[]): string[] {
  return [
    ...driftLines(summary),
    '',
    ...liveLines(summary.vip, live),
    ...summary.live_problems.map((problem) => `  !! ${problem}`),
    ...summary.flags.map((flag) => `  !! ${flag}`),
    '',
    summary.exit_code === ExitCode.Ok
      ? 'Converged: every step is as the inventory says, and one director holds the VIP.'
      : summary.exit_code === ExitCode.Drifted
        ? `DRIFTED (exit code ${summary.exit_code}): \`lbprov apply --dry-run\` shows the diffs, \`lbprov apply\` converges.`
        : `Could not check everything (exit code ${summary.exit_code}): see the errors above.`,
  ];
}
