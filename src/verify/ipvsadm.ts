/** Parsing `ipvsadm -L -n`: the virtual services keepalived set up and their real servers. */
import type { Inventory } from '../model/inventory.js';

type ForwardMethod = 'Route' | 'Masq' | 'Tunnel' | 'Local' | string;

interface IpvsRealServer {
  address: string;
  port: number;
  forward: ForwardMethod;
  weight: number;
  activeConnections: number;
  inactiveConnections: number;
}

export interface IpvsService {
  protocol: string;
  address: string;
  port: number;
  scheduler: string;
  /** `persistent 50` and the like, as ipvsadm prints them. */
  flags: string;
  realServers: IpvsRealServer[];
}

/** `192.168.56.200:6379` or `[2001:db8::1]:6379`. */
function splitEndpoint(text: string): { address: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!match) return undefined;
  return { address: match[1] ?? '', port: Number(match[2]) };
}

export class IpvsadmParseError extends Error {}

export function parseIpvsadmList(output: string): IpvsService[] {
  const services: IpvsService[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('IP Virtual Server') || line.startsWith('Prot ')) continue;
    if (line.startsWith('-> RemoteAddress')) continue;
    const words = line.split(/\s+/);
    if (words[0] === '->') {
      const endpoint = splitEndpoint(words[1] ?? '');
      const service = services.at(-1);
      if (!endpoint || !service) throw new IpvsadmParseError(`unexpected real-server line: ${line}`);
      service.realServers.push({
        ...endpoint,
        forward: words[2] ?? '',
        weight: Number(words[3]),
        activeConnections: Number(words[4]),
        inactiveConnections: Number(words[5]),
      });
      continue;
    }
    const [protocol = '', where = '', scheduler = '', ...flags] = words;
    const endpoint = splitEndpoint(where);
    if (!/^(TCP|UDP|SCTP|FWM)$/.test(protocol) || (!endpoint && protocol !== 'FWM')) {
      throw new IpvsadmParseError(`unexpected line: ${line}`);
    }
    services.push({
      protocol,
      address: endpoint?.address ?? where,
      port: endpoint?.port ?? 0,
      scheduler,
      flags: flags.join(' '),
      realServers: [],
    });
  }
  return services;
}

/**
 * The inventory's virtual service (the VIP, its port and protocol) in `ipvsadm -L -n` output: null
 * when the table has no such service, undefined when the output cannot be read.
 */
export function vipService(output: string, inventory: Inventory): IpvsService | null | undefined {
  let services;
  try {
    services = parseIpvsadmList(output);
  } catch (error) {
    if (error instanceof IpvsadmParseError) return undefined;
    throw error;
  }
  return (
    services.find(
      (candidate) =>
        candidate.protocol === inventory.service.protocol &&
        candidate.address === inventory.vrrp.vip.address &&
        candidate.port === inventory.service.port,
    ) ?? null
  );
}

/**
 * The state of one client connection to a virtual service in `ipvsadm -L -n -c`
 * output (`TCP 14:59  ESTABLISHED 192.168.56.30:49744 192.168.56.200:6379 192.168.56.22:6379`),
 * found by the client's port; undefined when the table does not list it.
 */
export function connectionState(
  output: string,
  service: { protocol: string; address: string; port: number },
  clientPort: number,
): string | undefined {
  for (const line of output.split('\n')) {
    const [protocol, , state, source = '', destination = ''] = line.trim().split(/\s+/);
    const client = splitEndpoint(source);
    const virtual = splitEndpoint(destination);
    if (
      protocol === service.protocol &&
      client?.port === clientPort &&
      virtual?.address === service.address &&
      virtual.port === service.port
    ) {
      return state;
    }
  }
  return undefined;
}
