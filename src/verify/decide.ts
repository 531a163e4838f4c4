/**
 * The verdict of each check, decided from the evidence alone (no I/O), so every rule is unit tested
 * on recorded command output. A check that cannot be made is not_provable, never a pass.
 */
import { isIpv4 } from '../inventory/ipv4.js';
import { ARP_SYSCTL_PATH } from '../render/realserver-script.js';
import { NO_CLIENT } from './connect.js';
import { findAddress, parseIpAddr, type HostAddress } from './ip-addr.js';
import { NO_IPVS, parseIpvsSupport, type IpvsState } from './ipvs-support.js';
import { IpvsadmParseError, parseIpvsadmList, type IpvsService } from './ipvsadm.js';
import { listensOn, parseSsListening } from './listening.js';
import { readPing } from './ping.js';
import { effectiveOnInterfaces, parseConfSysctls } from './sysctl.js';
import type { Check, Evidence } from '../engine/events.js';
import { firstLine } from '../util/printable.js';

function unreadable(evidence: Evidence): string {
  return `\`${evidence.command}\` failed on ${evidence.host} (exit ${evidence.exit_code}): ${firstLine(evidence.output)}`;
}

export interface DirectorAddresses {
  name: string;
  state: 'MASTER' | 'BACKUP';
  addresses: Evidence;
}

/** `preempt`: vrrp.preempt; false: the VIP on a BACKUP is where a failover left it, not a sign of trouble. */
export function decideVipPlacement(
  vip: string,
  directors: DirectorAddresses[],
  unreachable: string[],
  preempt: boolean,
): Check {
  const base = {
    check: 'vip-on-one-director' as const,
    title: `VIP ${vip} on exactly one director`,
    evidence: directors.map((director) => director.addresses),
  };
  const unread = directors.filter((director) => director.addresses.exit_code !== 0);
  if (unreachable.length > 0 || unread.length > 0) {
    return {
      ...base,
      host: [...unreachable, ...unread.map((director) => director.name)].join(', '),
      verdict: 'fail',
      detail: `cannot tell: ${[
        ...unreachable.map((name) => `${name} did not answer`),
        ...unread.map((director) => unreadable(director.addresses)),
      ].join('; ')}`,
      hint: 'make every director reachable, then verify again',
    };
  }
  const holders = directors
    .map((director) => ({ director, entries: findAddress(parseIpAddr(director.addresses.output), vip) }))
    .filter(({ entries }) => entries.length > 0);
  const where = (entries: HostAddress[]): string =>
    entries.map((entry) => `${entry.label ?? entry.interface}`).join(', ');
  const [only] = holders;
  if (holders.length === 1 && only) {
    const master = directors.find((director) => director.state === 'MASTER');
    const failedOver =
      only.director.state !== 'BACKUP' || !master
        ? ''
        : preempt
          ? `; the MASTER ${master.name} does not hold it: the cluster has failed over (is keepalived running on ${master.name}?)`
          : `; not on the preferred director ${master.name}: with vrrp.preempt: false it stays where a failover put it until ${only.director.name} fails`;
    return {
      ...base,
      host: only.director.name,
      verdict: 'pass',
      detail: `${vip} is on ${only.director.name} (${only.director.state}) only, on ${where(only.entries)}${failedOver}`,
    };
  }
  if (holders.length === 0) {
    return {
      ...base,
      host: directors.map((director) => director.name).join(', '),
      verdict: 'fail',
      detail: `no director holds ${vip}: clients reach nothing`,
      hint: 'check keepalived on the directors (`lbprov status`), then run `lbprov apply`',
    };
  }
  const backups = holders.filter(({ director }) => director.state !== 'MASTER');
  const extra = backups.length > 0 ? backups : holders;
  return {
    ...base,
    host: holders.map(({ director }) => director.name).join(', '),
    verdict: 'fail',
    detail: `${vip} is on ${holders.length} directors at once: ${holders
      .map(({ director, entries }) => `${director.name} (${director.state}, ${where(entries)})`)
      .join(' and ')}; clients' traffic splits between them`,
    hint:
      `remove the VIP where it does not belong (${extra
        .flatMap(({ director, entries }) =>
          entries.map(
            (entry) =>
              `on ${director.name}: \`ip addr del ${vip}/${entry.prefixLength} dev ${entry.interface}\``,
          ),
        )
        .join('; ')}), ` +
      'and check that VRRP adverts pass between the directors (same virtual_router_id and password, IP protocol 112 not filtered: ' +
      'with firewall: auto, `lbprov apply` lets it in through nftables or iptables, not firewalld; a network that drops multicast needs vrrp.unicast: true)',
  };
}

export function decideKeepalivedRunning(director: string, processes: Evidence): Check {
  const base = {
    check: 'keepalived-running' as const,
    host: director,
    title: 'keepalived running',
    evidence: [processes],
  };
  const lines = processes.output.split('\n').filter((line) => line.trim());
  if (processes.exit_code !== 0 || lines.length === 0) {
    return {
      ...base,
      verdict: 'fail',
      detail: 'no keepalived process runs',
      hint: 'start it through its init system (`service keepalived start` or `systemctl start keepalived`), or run `lbprov apply`; its log says why it stopped',
    };
  }
  const pids = lines.map((line) => line.trim().split(/\s+/)[0]).join(', ');
  const vrrpOnly = /\s--vrrp\b|\s-P\b/.test(processes.output)
    ? ', VRRP only (--vrrp: no IPVS, no health checks)'
    : '';
  return { ...base, verdict: 'pass', detail: `keepalived runs (pid ${pids})${vrrpOnly}` };
}

export interface IpvsExpectation {
  protocol: string;
  vip: string;
  port: number;
  /** The forward type ipvsadm prints for the inventory's lb_kind. */
  forward: string;
  lbKind: string;
  realServers: { name: string; host: string }[];
}

export const FORWARD_FOR_KIND: Record<string, string> = { DR: 'Route', NAT: 'Masq', TUN: 'Tunnel' };

/** The director's IPVS service, then one check per real server in it. */
export function decideIpvs(
  director: string,
  support: Evidence,
  table: Evidence,
  expected: IpvsExpectation,
): Check[] {
  const serviceName = `${expected.protocol} ${expected.vip}:${expected.port}`;
  const serviceBase = {
    check: 'ipvs-service' as const,
    host: director,
    title: `IPVS service ${serviceName}`,
  };
  const memberBase = (server: { name: string; host: string }) => ({
    check: 'ipvs-real-server' as const,
    host: director,
    title: `real server ${server.name} (${server.host}:${expected.port}) in the IPVS service as ${expected.forward}`,
  });
  const all = (verdict: Check['verdict'], detail: string, evidence: Evidence[], hint?: string): Check[] => [
    { ...serviceBase, verdict, detail, evidence, ...(hint ? { hint } : {}) },
    ...expected.realServers.map((server) => ({
      ...memberBase(server),
      verdict,
      detail,
      evidence,
      ...(hint ? { hint } : {}),
    })),
  ];
  const state: IpvsState | undefined = parseIpvsSupport(support.output);
  if (state === undefined) {
    return all('fail', `cannot tell whether the kernel has IPVS: ${unreadable(support)}`, [support]);
  }
  if (state === 'absent') return all('not_provable', `${NO_IPVS} (${firstLine(support.output)})`, [support]);
  if (state === 'not-loaded') {
    return all(
      'fail',
      'the ip_vs module is not loaded, so no IPVS service exists: keepalived has not set it up',
      [support],
      'restart keepalived through its init system (`lbprov apply` does); a keepalived started with --vrrp never sets up IPVS',
    );
  }
  if (table.exit_code !== 0) {
    return all(
      'fail',
      `the IPVS table cannot be read: ${unreadable(table)}`,
      [support, table],
      'is ipvsadm installed? (`lbprov apply` builds it)',
    );
  }
  let services: IpvsService[];
  try {
    services = parseIpvsadmList(table.output);
  } catch (error) {
    if (!(error instanceof IpvsadmParseError)) throw error;
    return all('fail', `cannot read ipvsadm's output: ${error.message}`, [table]);
  }
  const service = services.find(
    (candidate) =>
      candidate.protocol === expected.protocol &&
      candidate.address === expected.vip &&
      candidate.port === expected.port,
  );
  if (!service) {
    return all(
      'fail',
      `no ${serviceName} service in the IPVS table (${services.length} other service(s))`,
      [table],
      "keepalived sets it up from its virtual_server block: check keepalived's log and `lbprov status`",
    );
  }
  const checks: Check[] = [
    {
      ...serviceBase,
      verdict: 'pass',
      detail: `${serviceName} (${service.scheduler}${service.flags ? ` ${service.flags}` : ''}) with ${service.realServers.length} real server(s)`,
      evidence: [table],
    },
  ];
  for (const server of expected.realServers) {
    const member = service.realServers.find(
      (candidate) => candidate.address === server.host && candidate.port === expected.port,
    );
    const base = { ...memberBase(server), evidence: [table] };
    if (!member) {
      checks.push({
        ...base,
        verdict: 'fail',
        detail: `${server.name} (${server.host}:${expected.port}) is not in the service: keepalived's health check removed it, or it is not configured`,
        hint: `check Redis on ${server.name} (the redis checks below) and keepalived's log on ${director}`,
      });
    } else if (member.forward !== expected.forward) {
      checks.push({
        ...base,
        verdict: 'fail',
        detail: `forward type is ${member.forward}, not ${expected.forward} (lb_kind ${expected.lbKind})`,
        hint: "keepalived's configuration is not what lbprov wrote: run `lbprov status`, then `lbprov apply`",
      });
    } else if (member.weight === 0) {
      checks.push({
        ...base,
        verdict: 'fail',
        detail: `${server.name} is in the service with weight 0: it gets no new connections (a failed health check?)`,
        hint: `check Redis on ${server.name} and keepalived's log on ${director}`,
      });
    } else {
      checks.push({
        ...base,
        verdict: 'pass',
        detail: `${member.address}:${member.port} ${member.forward}, weight ${member.weight}`,
      });
    }
  }
  return checks;
}

export function decideVipOnLo(server: string, vip: string, addresses: Evidence): Check {
  const base = {
    check: 'vip-on-lo' as const,
    host: server,
    title: `VIP ${vip}/32 on lo`,
    evidence: [addresses],
  };
  if (addresses.exit_code !== 0) return { ...base, verdict: 'fail', detail: unreadable(addresses) };
  const entries = findAddress(parseIpAddr(addresses.output), vip);
  const elsewhere = entries.filter((entry) => entry.interface !== 'lo');
  const onLo = entries.filter((entry) => entry.interface === 'lo');
  if (elsewhere.length > 0) {
    return {
      ...base,
      verdict: 'fail',
      detail: `${vip} is on ${elsewhere.map((entry) => entry.interface).join(', ')}: this real server answers ARP for it there and takes the director's traffic`,
      hint: elsewhere
        .map((entry) => `\`ip addr del ${vip}/${entry.prefixLength} dev ${entry.interface}\``)
        .join('; '),
    };
  }
  const slash32 = onLo.find((entry) => entry.prefixLength === 32);
  if (slash32) {
    return { ...base, verdict: 'pass', detail: `${vip}/32 on lo (label ${slash32.label ?? 'lo'})` };
  }
  if (onLo[0]) {
    return {
      ...base,
      verdict: 'fail',
      detail: `${vip}/${onLo[0].prefixLength} is on lo, not /32: the host then treats that whole subnet as local`,
      hint: `\`ip addr del ${vip}/${onLo[0].prefixLength} dev lo\`, then \`lbprov apply\` adds it as /32`,
    };
  }
  return {
    ...base,
    verdict: 'fail',
    detail: `${vip} is not on lo: this real server drops the packets the director routes to it`,
    hint: 'start the real-server script (`/etc/init.d/lbprov-realserver start`) or run `lbprov apply`',
  };
}

/** The per-interface settings of a direct-routing real server, and what a wrong value does. */
const DR_SYSCTLS = {
  arp_ignore: {
    check: 'arp-ignore',
    meaning:
      'this host answers ARP requests for the VIP it holds on lo, so clients may send the director its traffic here',
  },
  arp_announce: {
    check: 'arp-announce',
    meaning:
      "this host may use the VIP as the source of its own ARP requests, teaching neighbours the VIP's wrong address",
  },
  rp_filter: {
    check: 'rp-filter',
    meaning:
      'a strict reverse-path filter drops the packets the director forwards for the VIP wherever the way back to the client is another interface',
  },
} as const;

/** One of them as the kernel applies it on every interface packets arrive on: max(all, interface). */
export function decideDrSysctl(
  server: string,
  key: keyof typeof DR_SYSCTLS,
  expected: number,
  sysctls: Evidence,
): Check {
  const base = {
    check: DR_SYSCTLS[key].check,
    host: server,
    title: `${key}=${expected}`,
    evidence: [sysctls],
  };
  const effective = effectiveOnInterfaces(parseConfSysctls(sysctls.output), key);
  if (!effective) {
    return {
      ...base,
      verdict: 'fail',
      detail: `cannot read net.ipv4.conf.all.${key}: ${unreadable(sysctls)}`,
    };
  }
  if (effective.length === 0) {
    return { ...base, verdict: 'fail', detail: 'found no network interface besides lo' };
  }
  const wrong = effective.filter((value) => value.effective !== expected);
  if (wrong.length === 0) {
    return {
      ...base,
      verdict: 'pass',
      detail: `${key} in effect is ${expected} on ${effective.map((value) => value.interface).join(', ')} (all=${effective[0]?.all})`,
    };
  }
  return {
    ...base,
    verdict: 'fail',
    detail: `${wrong
      .map(
        (value) =>
          `${key} in effect on ${value.interface} is ${value.effective} (all=${value.all}, ${value.interface}=${value.own})`,
      )
      .join('; ')}, not ${expected}: ${DR_SYSCTLS[key].meaning}`,
    hint: `\`sysctl -w net.ipv4.conf.all.${key}=${expected}\` (${ARP_SYSCTL_PATH} keeps it across reboots), or run \`lbprov apply\``,
  };
}

export function decideRedisListening(
  server: { name: string; host: string },
  vip: string,
  port: number,
  evidence: { listening: Evidence; processes: Evidence; addresses: Evidence },
): Check {
  const base = {
    check: 'redis-listening' as const,
    host: server.name,
    title: `Redis listening on the host address and the VIP (port ${port})`,
    evidence: [evidence.listening, evidence.processes],
  };
  if (evidence.listening.exit_code !== 0) {
    return { ...base, verdict: 'fail', detail: unreadable(evidence.listening) };
  }
  // A host named by DNS: any of its own addresses (besides the VIP) stands for it.
  const hostAddresses = isIpv4(server.host)
    ? [server.host]
    : parseIpAddr(evidence.addresses.output)
        .filter((entry) => entry.interface !== 'lo' && entry.address !== vip)
        .map((entry) => entry.address);
  const sockets = parseSsListening(evidence.listening.output);
  const missing = [
    ...(hostAddresses.some((address) => listensOn(sockets, address, port)) ? [] : [`${server.host}:${port}`]),
    ...(listensOn(sockets, vip, port) ? [] : [`${vip}:${port} (the VIP)`]),
  ];
  if (missing.length === 0) {
    return {
      ...base,
      verdict: 'pass',
      detail: `listens on ${sockets
        .filter((socket) => socket.port === port)
        .map((socket) => `${socket.address}:${socket.port}`)
        .join(', ')}`,
    };
  }
  const running = evidence.processes.exit_code === 0 && evidence.processes.output.trim() !== '';
  const onPort = sockets.filter((socket) => socket.port === port);
  return {
    ...base,
    verdict: 'fail',
    detail: running
      ? `redis-server runs but does not listen on ${missing.join(' or ')}${onPort.length ? ` (only on ${onPort.map((socket) => socket.address).join(', ')})` : ''}`
      : `redis-server is not running: nothing listens on ${missing.join(' or ')}`,
    hint: running
      ? 'check `bind` in /etc/redis/redis.conf (the VIP must be on lo before Redis starts), or run `lbprov apply`'
      : 'start Redis (`service redis-server start`) or run `lbprov apply`; its log says why it stopped',
  };
}

/** `passwordSet`: lbprov set requirepass, so only NOAUTH is a right answer (see readPing). */
export function decideRedisPing(
  server: { name: string; host: string },
  port: number,
  ping: Evidence,
  passwordSet = false,
): Check {
  const outcome = readPing(ping, passwordSet);
  return {
    check: 'redis-ping',
    host: server.name,
    title: `Redis on ${server.name} answers PING from the client ${ping.host}`,
    verdict: outcome.answered ? 'pass' : 'fail',
    detail: outcome.detail,
    evidence: [ping],
    ...(outcome.answered
      ? {}
      : {
          hint:
            outcome.hint ??
            `check the redis checks for ${server.name} above; from the client: \`redis-cli -h ${server.host} -p ${port} ping\``,
        }),
  };
}

export interface VipHolder {
  name: string;
  ipvs: Evidence;
}

/**
 * The end-to-end check. Where the director holding the VIP has no IPVS (VRRP-only mode) it
 * forwards nothing, so no answer through the VIP could come from a real server: not provable.
 */
export function decideVipPing(
  vip: string,
  port: number,
  ping: Evidence,
  holders: VipHolder[],
  passwordSet = false,
): Check {
  const base = {
    check: 'redis-ping-via-vip' as const,
    host: ping.host,
    title: `Redis answers PING through the VIP ${vip}:${port} from the client ${ping.host}`,
    evidence: [ping, ...holders.map((holder) => holder.ipvs)],
  };
  const outcome = readPing(ping, passwordSet);
  const withoutIpvs = holders.filter((holder) => parseIpvsSupport(holder.ipvs.output) === 'absent');
  if (withoutIpvs.length > 0) {
    return {
      ...base,
      verdict: 'not_provable',
      detail:
        `${NO_IPVS}: in VRRP-only mode the VIP sits on ${withoutIpvs.map((holder) => holder.name).join(', ')}, ` +
        `which does not forward to the real servers, so no answer through the VIP can come from Redis behind it ` +
        `(the attempt: ${outcome.detail})`,
    };
  }
  if (holders.length === 0) {
    return {
      ...base,
      verdict: 'fail',
      detail: `no director holds the VIP (the attempt: ${outcome.detail})`,
      hint: 'see the VIP check above',
    };
  }
  if (outcome.answered) return { ...base, verdict: 'pass', detail: `${outcome.detail} through the VIP` };
  return {
    ...base,
    verdict: 'fail',
    detail: outcome.detail,
    hint:
      outcome.hint ??
      "check the IPVS checks and the real servers' ARP settings above; from the client: " +
        `\`redis-cli -h ${vip} -p ${port} ping\``,
  };
}

export function noClient(check: 'redis-ping' | 'redis-ping-via-vip', host: string, title: string): Check {
  return {
    check,
    host,
    title,
    verdict: 'not_provable',
    detail: NO_CLIENT,
    evidence: [],
    hint: 'add `verify: { client: <address> }` to the inventory',
  };
}

export function unreachableCheck(host: string, role: string, message: string, hint?: string): Check {
  return {
    check: 'reachable',
    host,
    title: `${role} ${host} reachable over SSH`,
    verdict: 'fail',
    detail: `${message}; none of its checks could run`,
    evidence: [],
    ...(hint ? { hint } : {}),
  };
}
