/** The read-only commands whose output is the evidence, per role. */
import { shellQuote } from '../util/shell.js';
import { IPVS_SUPPORT_COMMAND, ipvsTableCommand } from './ipvs-support.js';
import { pingCommand } from './ping.js';

export const ADDRESSES_COMMAND = 'ip -o -4 addr show';
export const KEEPALIVED_PROCESSES_COMMAND = 'ps -C keepalived -o pid=,args=';

export function directorCommands(options: { stats: boolean }) {
  return {
    addresses: ADDRESSES_COMMAND,
    keepalived: KEEPALIVED_PROCESSES_COMMAND,
    ipvsSupport: IPVS_SUPPORT_COMMAND,
    ipvsTable: ipvsTableCommand(options.stats ? 'stats' : 'services'),
  };
}

export type DirectorEvidenceKey = keyof ReturnType<typeof directorCommands>;

export function listeningCommand(port: number): string {
  return `ss -ltn ${shellQuote(`sport = :${port}`)}`;
}

export function realServerCommands(port: number) {
  return {
    addresses: ADDRESSES_COMMAND,
    arp: 'grep -H . /proc/sys/net/ipv4/conf/*/arp_ignore /proc/sys/net/ipv4/conf/*/arp_announce /proc/sys/net/ipv4/conf/*/rp_filter',
    listening: listeningCommand(port),
    redis: 'ps -C redis-server -o pid=,args=',
  };
}

export type RealServerEvidenceKey = keyof ReturnType<typeof realServerCommands>;

/** The client pings the given real servers and, when given, the VIP; keys are `rs:<name>` and `vip`. */
export function clientCommands(
  realServers: { name: string; host: string }[],
  vip: string | undefined,
  port: number,
): Record<string, string> {
  return {
    ...Object.fromEntries(realServers.map((server) => [`rs:${server.name}`, pingCommand(server.host, port)])),
    ...(vip === undefined ? {} : { vip: pingCommand(vip, port) }),
  };
}
