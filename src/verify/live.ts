/** The live half of `lbprov status`: what each director is doing now, beside the drift report. */
import type { Director } from '../model/inventory.js';
import { decideKeepalivedRunning } from './decide.js';
import { findAddress, parseIpAddr } from './ip-addr.js';
import { NO_IPVS, parseIpvsSupport } from './ipvs-support.js';
import type { Evidence } from './types.js';

export interface DirectorLive {
  type: 'live';
  host: string;
  state: 'MASTER' | 'BACKUP';
  keepalived: { running: boolean; detail: string };
  holds_vip: boolean;
  /** `ipvsadm -L -n --stats`, or why there is none. */
  ipvs: { available: boolean; table: string };
}

export function readDirectorLive(
  director: Director,
  vip: string,
  evidence: { addresses: Evidence; keepalived: Evidence; ipvsSupport: Evidence; ipvsTable: Evidence },
): DirectorLive {
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
  };
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

export function liveLines(vip: string, directors: DirectorLive[]): string[] {
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
