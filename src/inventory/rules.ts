import type { Finding } from './finding.js';
import { broadcastAddress, formatIpv4, networkAddress, parseIpv4, sameSubnet } from './ipv4.js';
import type { InventoryFile } from './schema.js';
import {
  checkAuthPass,
  checkAuthPassLength,
  checkRedisPassword,
  parseVip,
  type ParsedVip,
  type Problem,
} from './shapes.js';
import { connectionSyncErrors } from './connection-sync-rules.js';
import { preemptionErrors } from './preemption-rules.js';
import { redisTopologyErrors } from './redis-topology-rules.js';
import { unicastErrors } from './unicast-rules.js';

/**
 * Rules that relate fields to each other (keepalived.conf(5), ipvsadm(8), defects.md).
 * They see only the sections that passed the schema, so one broken section does not hide the rest.
 * virtual_router_id, advert_int, auth_pass, unicast and the preemption policy are inventory-wide,
 * so "identical on both directors" holds by construction.
 */
type DirectorEntry = InventoryFile['directors'][number];
type RealServerEntry = InventoryFile['real_servers'][number];

/**
 * Host lists keep every entry at its original index, with only the fields that are sound, so a bad
 * priority does not hide that the same entry's host is also a real server.
 */
export interface ParsedSections extends Partial<Omit<InventoryFile, 'directors' | 'real_servers'>> {
  directors?: Partial<DirectorEntry>[];
  real_servers?: Partial<RealServerEntry>[];
}

type HostRef = { host: string; name?: string | undefined };

function withHosts(entries: Partial<HostRef>[] | undefined): { entry: HostRef; index: number }[] {
  return (entries ?? []).flatMap(({ host, name }, index) =>
    host === undefined ? [] : [{ entry: { host, name }, index }],
  );
}

export function crossFieldErrors(sections: ParsedSections, env: NodeJS.ProcessEnv): Finding[] {
  return [
    ...directorRoles(sections.directors),
    ...hostOverlaps(sections),
    ...vipPlacement(sections),
    ...authPassRules(sections, env),
    ...unicastErrors(sections),
    ...preemptionErrors(sections),
    ...connectionSyncErrors(sections),
    ...redisPasswordRules(sections, env),
    ...redisTopologyErrors(sections),
  ];
}

function directorRoles(entries: Partial<DirectorEntry>[] | undefined): Finding[] {
  // Roles and priorities are judged on the whole list, so wait until every state and priority is sound.
  if (entries === undefined || entries.some((d) => d.state === undefined || d.priority === undefined))
    return [];
  const directors = entries as Pick<DirectorEntry, 'state' | 'priority'>[];
  if (directors.length === 0) {
    return [
      {
        path: ['directors'],
        message: 'lists no directors',
        hint: 'add a MASTER and a BACKUP, e.g. - { host: 10.8.80.218, state: MASTER, priority: 101 }',
      },
    ];
  }
  const findings: Finding[] = [];
  const masters = directors.flatMap((d, index) => (d.state === 'MASTER' ? [index] : []));
  const [master, ...extraMasters] = masters;
  if (master === undefined) {
    findings.push({
      path: ['directors'],
      message: 'has no MASTER; exactly one director must have state: MASTER',
      hint: 'set state: MASTER on the director with the highest priority',
    });
  }
  for (const index of extraMasters) {
    findings.push({
      path: ['directors', index, 'state'],
      message: `is a second MASTER (directors[${master}] is MASTER); exactly one director is MASTER`,
      hint: 'make this director BACKUP with a lower priority',
    });
  }
  if (!directors.some((d) => d.state === 'BACKUP')) {
    findings.push({
      path: ['directors'],
      message: 'has no BACKUP; VRRP can only fail over to a BACKUP director',
      hint: 'add a second director with state: BACKUP and a lower priority, e.g. priority: 10',
    });
  }
  const masterPriority = master === undefined ? undefined : directors[master]?.priority;
  // One pass: a list of thousands of entries must not cost millions of comparisons.
  const firstWithPriority = new Map<number, number>();
  directors.forEach((director, index) => {
    const earlier = firstWithPriority.get(director.priority);
    if (earlier === undefined) firstWithPriority.set(director.priority, index);
    if (earlier !== undefined) {
      findings.push({
        path: ['directors', index, 'priority'],
        message: `is ${director.priority}, the same as directors[${earlier}]; VRRP priorities must differ`,
        hint: 'give each director its own priority, the MASTER the highest',
      });
    } else if (
      director.state === 'BACKUP' &&
      masterPriority !== undefined &&
      director.priority > masterPriority
    ) {
      findings.push({
        path: ['directors', index, 'priority'],
        message: `is ${director.priority}, above the MASTER's ${masterPriority}; the MASTER must have the highest priority`,
        hint: `give this BACKUP less than ${masterPriority}, or raise the MASTER's priority`,
      });
    }
  });
  return findings;
}

/** Host names are case-insensitive and may end in a root dot: one spelling for each host. */
function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

export function sameHost(a: string, b: string): boolean {
  return canonicalHost(a) === canonicalHost(b);
}

/** Why a real server must not also be a director; `lbprov init` asks the same question. */
export function directorAsRealServerProblem(directorLabel: string): Problem {
  return {
    message: `is also ${directorLabel}; a director listed as its own real server makes the two directors bounce each packet between them (the two-box LVS ping-pong, defect 8)`,
    hint: 'list only the Redis hosts as real servers; the directors forward to them',
  };
}

/**
 * Every host is looked up by its canonical name in a Map: validation stays linear in the number
 * of hosts (an inventory may list thousands).
 */
function hostOverlaps(sections: ParsedSections): Finding[] {
  const findings: Finding[] = [];
  const directors = withHosts(sections.directors);
  const realServers = withHosts(sections.real_servers);
  const seen = new Map<string, { label: string; host: string; role: 'director' | 'real server' }>();
  type Entry = { entry: HostRef; index: number };
  const visit = (list: 'directors' | 'real_servers', entries: Entry[]) => {
    entries.forEach(({ entry, index }) => {
      const path = [list, index, 'host'];
      const host = canonicalHost(entry.host);
      const previous = seen.get(host);
      if (previous === undefined) {
        seen.set(host, {
          label: `${list}[${index}]`,
          host: entry.host,
          role: list === 'directors' ? 'director' : 'real server',
        });
      } else if (list === 'real_servers' && previous.role === 'director') {
        findings.push({ path, ...directorAsRealServerProblem(previous.label) });
      } else {
        findings.push({
          path,
          message: `repeats ${previous.label}.host (${previous.host}); each host appears once`,
          hint: 'remove the duplicate entry',
        });
      }
    });
  };
  visit('directors', directors);
  visit('real_servers', realServers);
  findings.push(
    ...duplicateNames([...labelled('directors', directors), ...labelled('real_servers', realServers)]),
  );

  const client = sections.verify?.client;
  const clash = client === undefined ? undefined : seen.get(canonicalHost(client));
  if (clash !== undefined) {
    findings.push({
      path: ['verify', 'client'],
      message: `is ${clash.label}, a ${clash.role}; the end-to-end check must come from a host that is neither director nor real server, since those reach the VIP locally and prove nothing`,
      hint: 'name a separate client host, or remove verify',
    });
  }
  return findings;
}

type NamedEntry = { name: string; label: string; path: (string | number)[] };

function labelled(
  list: 'directors' | 'real_servers',
  entries: { entry: { name?: string | undefined }; index: number }[],
): NamedEntry[] {
  return entries.flatMap(({ entry, index }) =>
    entry.name === undefined
      ? []
      : [{ name: entry.name, label: `${list}[${index}]`, path: [list, index, 'name'] }],
  );
}

function duplicateNames(named: NamedEntry[]): Finding[] {
  const firstNamed = new Map<string, NamedEntry>();
  return named.flatMap((entry) => {
    const name = canonicalHost(entry.name);
    const first = firstNamed.get(name);
    if (first === undefined) {
      firstNamed.set(name, entry);
      return [];
    }
    return [
      {
        path: entry.path,
        message: `repeats the name of ${first.label}; names label hosts in output and must be unique`,
        hint: 'give each host its own name',
      },
    ];
  });
}

/**
 * The network and broadcast addresses of the VIP's subnet are no host's own, whatever its role
 * (a /31 or /32 has neither). `lbprov init` checks each address it asks for with it.
 */
export function subnetEdgeProblem(vip: ParsedVip, host: string, hint: string): Problem | undefined {
  const address = parseIpv4(host);
  const vipAddress = parseIpv4(vip.address);
  if (address === undefined || vipAddress === undefined || vip.prefix_length > 30) return undefined;
  if (
    address !== networkAddress(vipAddress, vip.prefix_length) &&
    address !== broadcastAddress(vipAddress, vip.prefix_length)
  )
    return undefined;
  return { message: `is the network or broadcast address of the VIP's /${vip.prefix_length} subnet`, hint };
}

/** Where a director stands relative to the VIP's subnet; `lbprov init` checks each address with it. */
export function directorVipProblem(vip: ParsedVip, host: string): Problem | undefined {
  const address = parseIpv4(host);
  const vipAddress = parseIpv4(vip.address);
  if (address === undefined || vipAddress === undefined) return undefined;
  if (address === vipAddress) {
    return {
      message: `is the VIP itself`,
      hint: 'the VIP must be a free address that keepalived moves between directors',
    };
  }
  const edge = subnetEdgeProblem(vip, host, "use the director's own address on the VRRP interface");
  if (edge) return edge;
  if (sameSubnet(address, vipAddress, vip.prefix_length)) return undefined;
  const subnet = `${formatIpv4(networkAddress(vipAddress, vip.prefix_length))}/${vip.prefix_length}`;
  return {
    message: `is outside the VIP's subnet ${subnet}; keepalived adds the VIP to this director's interface, which must be on that subnet`,
    hint: "use the director's address on the VRRP interface, or correct the VIP's prefix length",
  };
}

function vipPlacement(sections: ParsedSections): Finding[] {
  const vipText = sections.vrrp?.vip;
  if (vipText === undefined) return [];
  const vip = parseVip(vipText);
  if ('message' in vip) return [];
  const findings: Finding[] = [];
  for (const { entry, index } of withHosts(sections.directors)) {
    const problem = directorVipProblem(vip, entry.host);
    if (problem) findings.push({ path: ['directors', index, 'host'], ...problem });
  }
  const others = [
    ...withHosts(sections.real_servers).map(({ entry, index }) => ({
      host: entry.host,
      path: ['real_servers', index, 'host'],
      ownAddress: "list the real server's own address",
    })),
    ...(sections.verify
      ? [
          {
            host: sections.verify.client,
            path: ['verify', 'client'],
            ownAddress: "name the client's own address",
          },
        ]
      : []),
  ];
  for (const other of others) {
    if (sameHost(other.host, vip.address)) {
      findings.push({
        path: other.path,
        message: "is the VIP itself; the VIP must be no host's own address",
        hint: 'real servers carry the VIP only on lo, which lbprov sets up; list their own addresses here',
      });
      continue;
    }
    const edge = subnetEdgeProblem(vip, other.host, other.ownAddress);
    if (edge) findings.push({ path: other.path, ...edge });
  }
  return findings;
}

function authPassRules(sections: ParsedSections, env: NodeJS.ProcessEnv): Finding[] {
  const secret = sections.vrrp?.auth_pass;
  if (secret === undefined) return [];
  // Without a valid keepalived section, fall back to the general limit of 8.
  const version = sections.keepalived?.version;
  if (typeof secret === 'string') {
    const problem = checkAuthPassLength(secret, version);
    return problem ? [{ path: ['vrrp', 'auth_pass'], ...problem }] : [];
  }
  const value = env[secret.env];
  if (value === undefined) return [];
  const problem = checkAuthPass(value, version);
  if (!problem) return [];
  return [
    {
      path: ['vrrp', 'auth_pass', 'env'],
      message: `${secret.env} (from the environment) ${problem.message}`,
      hint: problem.hint,
    },
  ];
}

/** An inline redis.password passed its rule in the schema; one named by a variable is checked here. */
function redisPasswordRules(sections: ParsedSections, env: NodeJS.ProcessEnv): Finding[] {
  const secret = sections.redis?.password;
  if (secret === undefined || typeof secret === 'string') return [];
  const value = env[secret.env];
  if (value === undefined) return [];
  const problem = checkRedisPassword(value);
  if (!problem) return [];
  return [
    {
      path: ['redis', 'password', 'env'],
      message: `${secret.env} (from the environment) ${problem.message}`,
      hint: problem.hint,
    },
  ];
}
