/** How `lbprov status` reads for people: drift per host, each director's live state, the verdict. */
import type { DirectorLive, LiveRealServer, StatusSummary } from '../../engine/events.js';
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

/** The tree's branches: box-drawing characters on a terminal, ASCII where it is piped or logged. */
const BRANCHES = {
  boxes: { mid: '├─ ', last: '└─ ', through: '│  ', after: '   ' },
  ascii: { mid: '|- ', last: '`- ', through: '|  ', after: '   ' },
};

function treeLines<T>(
  items: readonly T[],
  style: keyof typeof BRANCHES,
  draw: (item: T) => string[],
): string[] {
  const branch = BRANCHES[style];
  return items.flatMap((item, index) => {
    const last = index === items.length - 1;
    const [head = '', ...rest] = draw(item);
    return [
      `${last ? branch.last : branch.mid}${head}`,
      ...rest.map((line) => `${last ? branch.after : branch.through}${line}`),
    ];
  });
}

function realServerLine(server: LiveRealServer, nameWidth: number, addressWidth: number): string {
  const where = `${server.name.padEnd(nameWidth)}  ${`${server.address}:${server.port}`.padEnd(addressWidth)}`;
  if (!server.in_service) return `${where}  OUT of service: not in the IPVS table (its health check fails)`;
  return (
    `${where}  in service  weight ${server.weight}  connections: ${server.active_connections} active, ` +
    `${server.inactive_connections} inactive`
  );
}

/**
 * The cluster as it is now: the VIP, each director (its role, keepalived, whether it holds the VIP)
 * and below it the real servers as its IPVS table has them.
 */
export function clusterLines(
  vip: string,
  directors: readonly DirectorLive[],
  style: keyof typeof BRANCHES,
): string[] {
  if (directors.length === 0) return ["Cluster now: unknown (no director's state could be read)"];
  const holders = directors.filter((director) => director.holds_vip);
  const nameWidth = Math.max(...directors.map((director) => director.host.length));
  const servers = directors.flatMap((director) => director.real_servers ?? []);
  const serverName = Math.max(0, ...servers.map((server) => server.name.length));
  const serverAddress = Math.max(0, ...servers.map((server) => `${server.address}:${server.port}`.length));
  return [
    'Cluster now:',
    `  VIP ${vip}: ${
      holders.length === 0
        ? 'on NO director'
        : holders.map((director) => `on ${director.host} (${director.state})`).join(' and ')
    }`,
    ...treeLines(directors, style, (director) => [
      `${director.host.padEnd(nameWidth)}  ${director.state.padEnd(6)}  ` +
        `${director.keepalived.running ? director.keepalived.detail : 'keepalived NOT running'}; ` +
        `${director.holds_vip ? 'holds the VIP' : 'does not hold the VIP'}`,
      ...(director.real_servers === null
        ? [`${BRANCHES[style].last}real servers: not provable here (${director.ipvs.table})`]
        : treeLines(director.real_servers, style, (server) => [
            realServerLine(server, serverName, serverAddress),
          ])),
    ]).map((line) => `  ${line}`),
  ];
}

/** The closing report of status: the drift, the directors' live state (`live`, read before), the verdict. */
export function statusLines(
  summary: StatusSummary,
  live: readonly DirectorLive[],
  style: 'boxes' | 'ascii',
): string[] {
  return [
    ...driftLines(summary),
    '',
    ...clusterLines(summary.vip, live, style),
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
