/** The live half of `lbprov status`: what each director is doing now, beside the drift report. */
import type { Director, Inventory } from '../model/inventory.js';
import { ExitCode } from '../util/exit-codes.js';
import { decideKeepalivedRunning } from './decide.js';
import { findAddress, parseIpAddr } from './ip-addr.js';
import { directorCommands } from './commands.js';
import { ipvsTableCommand, NO_IPVS, parseIpvsSupport } from './ipvs-support.js';
import { vipService } from './ipvsadm.js';
import type {
  DirectorLive,
  Drift,
  Evidence,
  LiveRealServer,
  RunSummary,
  StatusSummary,
} from '../engine/events.js';

/** What status reads on each director, in the same round trip: `ipvsList` has the connections. */
export function statusCommands() {
  return { ...directorCommands({ stats: true }), ipvsList: ipvsTableCommand('services') };
}

type StatusEvidence = Record<keyof ReturnType<typeof statusCommands>, Evidence>;

export function readDirectorLive(
  inventory: Inventory,
  director: Director,
  evidence: StatusEvidence,
): DirectorLive {
  const vip = inventory.vrrp.vip.address;
  const keepalived = decideKeepalivedRunning(director.name, evidence.keepalived);
  const ipvs = parseIpvsSupport(evidence.ipvsSupport.output);
  return {
    type: 'live',
    host: director.name,
    state: director.state,
    keepalived: { running: keepalived.verdict === 'pass', detail: keepalived.detail },
    holds_vip: findAddress(parseIpAddr(evidence.addresses.output), vip).length > 0,
    ipvs:
      ipvs === 'present'
        ? { available: true, table: evidence.ipvsTable.output }
        : {
            available: false,
            table: ipvs === 'absent' ? NO_IPVS.replace('not provable: ', '') : evidence.ipvsSupport.output,
          },
    real_servers: ipvs === 'present' ? realServersInService(inventory, evidence.ipvsList) : null,
  };
}

function realServersInService(inventory: Inventory, list: Evidence): LiveRealServer[] | null {
  const service = list.exit_code === 0 ? vipService(list.output, inventory) : undefined;
  if (service === undefined) return null;
  const port = inventory.service.port;
  return inventory.real_servers.map((server) => {
    const member = service?.realServers.find((entry) => entry.address === server.host && entry.port === port);
    return {
      name: server.name,
      address: server.host,
      port,
      in_service: member !== undefined,
      weight: member?.weight ?? null,
      active_connections: member?.activeConnections ?? null,
      inactive_connections: member?.inactiveConnections ?? null,
    };
  });
}

/** Live problems that make the cluster not converged, whatever its files say. */
export function liveProblems(vip: string, directors: DirectorLive[], expected: number): string[] {
  if (directors.length < expected) return [];
  const holders = directors.filter((director) => director.holds_vip).map((director) => director.host);
  if (holders.length === 0) return [`no director holds the VIP ${vip}`];
  if (holders.length > 1)
    return [`${holders.length} directors hold the VIP ${vip} at once: ${holders.join(', ')}`];
  return [];
}

/**
 * status's verdict from the plan's run and the directors' live state (in the inventory's order):
 * drifted (exit 6) when a step would change or the VIP is not on exactly one director; the run's
 * own exit code when a host could not be read.
 */
export function closeStatus(
  inventory: Inventory,
  run: RunSummary,
  read: readonly DirectorLive[],
  drift: Drift[],
): { live: DirectorLive[]; summary: StatusSummary } {
  const vip = inventory.vrrp.vip.address;
  const order = inventory.directors.map((director) => director.name);
  const live = [...read].sort((a, b) => order.indexOf(a.host) - order.indexOf(b.host));
  const problems = liveProblems(vip, live, inventory.directors.length);
  const drifted = drift.length > 0 || problems.length > 0;
  const exitCode = run.exit_code !== 0 ? run.exit_code : drifted ? ExitCode.Drifted : ExitCode.Ok;
  const summary: StatusSummary = {
    type: 'status_summary',
    mode: 'status',
    converged: !drifted && exitCode === ExitCode.Ok,
    vip,
    drift,
    live_problems: problems,
    hosts: run.hosts,
    flags: run.flags,
    duration_ms: run.duration_ms,
    exit_code: exitCode,
  };
  return { live, summary };
}
