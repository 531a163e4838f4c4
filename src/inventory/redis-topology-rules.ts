import { SENTINEL_PORT } from '../model/redis-topology.js';
import type { PathSegment } from './diagnostic.js';
import type { Finding } from './finding.js';
import type { ParsedSections } from './rules.js';
import type { Problem } from './shapes.js';
import { didYouMean } from './suggest.js';

/**
 * What `redis.topology` and its keys ask of the rest of the inventory. Each rule refuses a
 * combination that cannot work, at the key to change; the Problem functions are exported so that
 * `lbprov init` checks its answers with the same words.
 *
 * Names resolve as src/model/redis-topology.ts resolves them (redis.primary: a real server's name,
 * else its host; also_on: a director's name or host), so an inventory accepted here gives the
 * model a primary and every Sentinel host it names.
 *
 * Not refused: down_after_ms >= failover_timeout_ms. Sentinel relates them nowhere (sentinel.c:
 * down-after decides SDOWN and which replica is fresh enough to promote; failover-timeout bounds
 * the election, the promotion and the reconfiguration of the replicas, and spaces two attempts by
 * twice its value), so a long down-after with a short failover timeout fails over, only later.
 */

type Redis = NonNullable<ParsedSections['redis']>;
type Sentinel = Exclude<Redis['sentinel'], boolean | undefined>;
type HostEntry = { host?: string | undefined; name?: string | undefined; weight?: number | undefined };

/** The keys that only mean something with one primary and its replicas. */
const PRIMARY_REPLICA_KEYS = ['primary', 'read_port', 'sentinel'] as const;

/**
 * Sentinel asks a replica for INFO once a second while a failover runs and sees the promotion
 * there; a promotion not seen within failover-timeout is abandoned (sentinelFailoverWaitPromotion:
 * -failover-abort-slave-timeout), and the election too is cut to failover-timeout when that is
 * under 10 s. Below two INFO periods a failover is abandoned as often as not.
 */
export const MIN_FAILOVER_TIMEOUT_MS = 2000;

/** A majority of Sentinels must survive the loss of the primary's host, which runs one of them. */
export const MIN_SENTINELS = 3;

export function redisTopologyErrors(sections: ParsedSections): Finding[] {
  const redis = sections.redis;
  if (redis === undefined) return [];
  if (redis.topology !== 'primary-replica') return withoutPrimary(redis);
  const servers = sections.real_servers;
  const sentinel = sentinelOf(redis.sentinel);
  return [
    ...realServerCount(servers),
    ...(redis.manage ? [] : [unmanaged()]),
    ...checkType(sections, sentinel !== undefined),
    ...protocol(sections),
    ...primary(redis.primary, servers, sections.directors),
    ...readPort(redis.read_port, sections, sentinel !== undefined),
    ...(sentinel === undefined ? [] : sentinelRules(redis.sentinel, sentinel, sections)),
  ];
}

/** `sentinel: true` is the defaults; false and absent are no Sentinel. */
function sentinelOf(written: Redis['sentinel']): Sentinel | undefined {
  if (written === undefined || written === false) return undefined;
  return written === true ? { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: [] } : written;
}

function withoutPrimary(redis: Redis): Finding[] {
  const topology =
    redis.topology === undefined
      ? 'redis.topology is not set, which means independent'
      : 'with topology: independent';
  return PRIMARY_REPLICA_KEYS.flatMap((key) => {
    if (redis[key] === undefined || redis[key] === false) return [];
    return [
      {
        path: ['redis', key],
        at: 'key' as const,
        message: `needs topology: primary-replica; ${topology}: every real server serves every client on its own, and there is no ${KEY_NEEDS[key]}`,
        hint: `write topology: primary-replica under redis for one primary and its replicas, or remove redis.${key}`,
      },
    ];
  });
}

const KEY_NEEDS: Record<(typeof PRIMARY_REPLICA_KEYS)[number], string> = {
  primary: 'primary to name',
  read_port: 'replica to spread reads over',
  sentinel: 'primary for Sentinel to replace',
};

/** Why primary-replica needs a second real server; `lbprov init` shows it where it disables the choice. */
export function primaryReplicaCountProblem(realServers: number): Problem | undefined {
  if (realServers >= 2) return undefined;
  return {
    message: `needs at least 2 real servers, a primary and a replica; real_servers lists ${realServers}`,
    hint: 'add a real server to replicate the primary, or use topology: independent for a single Redis',
  };
}

function realServerCount(servers: ParsedSections['real_servers']): Finding[] {
  if (servers === undefined) return [];
  const problem = primaryReplicaCountProblem(servers.length);
  return problem === undefined ? [] : [{ path: ['redis', 'topology'], ...problem }];
}

/**
 * Refused rather than read as "replication configured elsewhere": lbprov writes replicaof, the
 * replicas' masterauth and Sentinel only into a Redis it manages. Unmanaged, every real server
 * stays its own primary, passes the role check and takes writes: the split data of defect 15, now
 * behind a check that looks as if it prevented it. drill and destroy would also stop, restore and
 * undo a replication lbprov never set up.
 */
function unmanaged(): Finding {
  return {
    path: ['redis', 'manage'],
    message:
      'is false with topology: primary-replica; lbprov sets up replication (replicaof on the replicas) and Sentinel only on a Redis it manages, and unconfigured every real server would stay a primary and take writes',
    hint: "set manage: true (lbprov then writes the replication settings into the real servers' Redis configuration), or use topology: independent for a Redis configured elsewhere",
  };
}

function checkType(sections: ParsedSections, sentinel: boolean): Finding[] {
  if (sections.service?.check.type !== 'tcp') return [];
  return [
    {
      path: ['service', 'check', 'type'],
      message: `is tcp with topology: primary-replica; a TCP check passes on every real server whose port is open, replicas included, so it cannot tell the primary and the VIP's port would send writes to replicas${sentinel ? ' (and could not follow Sentinel to a new primary)' : ''}`,
      hint: 'remove type (with a topology it is redis: PING and the role over the Redis protocol), or write type: redis',
    },
  ];
}

/** Redis answers over TCP only; a UDP virtual service would balance nothing it serves. */
function protocol(sections: ParsedSections): Finding[] {
  if (sections.service?.protocol !== 'UDP') return [];
  return [
    {
      path: ['service', 'protocol'],
      message: 'is UDP with topology: primary-replica; Redis serves TCP only',
      hint: 'write protocol: TCP',
    },
  ];
}

/** A real server by the name a key gives: its name (or host, when unnamed) first, then its host. */
function resolve<T extends HostEntry>(entries: T[], wanted: string): number | undefined {
  const byName = entries.findIndex((e) => (e.name ?? e.host) === wanted);
  if (byName >= 0) return byName;
  const byHost = entries.findIndex((e) => e.host === wanted);
  return byHost >= 0 ? byHost : undefined;
}

const labelOf = (entry: HostEntry) => entry.name ?? entry.host ?? '';

/** At most this many names are listed in a message; the rest are counted. */
const LISTED = 8;

function listed(names: string[]): string {
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}

function primary(
  wanted: string | undefined,
  servers: ParsedSections['real_servers'],
  directors: ParsedSections['directors'],
): Finding[] {
  // Without every host there is no telling whom the name means; those entries' errors say why.
  if (servers === undefined || servers.length === 0 || servers.some((s) => s.host === undefined)) return [];
  if (wanted === undefined) return zeroWeightPrimary(servers, 0, ['real_servers', 0, 'weight']);
  const index = resolve(servers, wanted);
  if (index !== undefined) return zeroWeightPrimary(servers, index, ['redis', 'primary']);
  const names = servers.map(labelOf);
  const director = resolve(directors ?? [], wanted);
  const guess = didYouMean(wanted, [...names, ...servers.flatMap((s) => (s.name ? [s.host!] : []))]);
  return [
    {
      path: ['redis', 'primary'],
      message:
        director !== undefined
          ? `names directors[${director}]; the primary must be a real server, a Redis host (real servers: ${listed(names)})`
          : `names no real server (real servers: ${listed(names)})`,
      hint:
        guess !== undefined
          ? `did you mean ${guess}?`
          : `write the name (or host) of one real server, or remove primary to make the first, ${names[0]}, the primary`,
    },
  ];
}

/** IPVS sends a server of weight 0 no new connections: a primary there takes no write through the VIP. */
function zeroWeightPrimary(
  servers: NonNullable<ParsedSections['real_servers']>,
  index: number,
  path: PathSegment[],
): Finding[] {
  const server = servers[index];
  if (server?.weight !== 0) return [];
  const label = labelOf(server);
  const named = path[0] === 'redis';
  return [
    {
      path,
      message: named
        ? `names ${label}, whose weight is 0; IPVS sends a weight-0 server no new connections, so no write through the VIP would reach the primary`
        : `is 0 on ${label}, the primary (the first real server, as redis.primary is not set); IPVS sends it no new connections, so no write through the VIP would reach the primary`,
      hint: named
        ? `give ${label} a weight above 0, or name another real server as primary`
        : `give ${label} a weight above 0, or name another real server in redis.primary`,
    },
  ];
}

/** What the read port may not be; `lbprov init` checks the port typed with it. */
export function readPortProblem(
  readPort: number,
  context: { servicePort: number | undefined; realServers: number | undefined; sentinel: boolean },
): Problem | undefined {
  if (readPort === context.servicePort) {
    return {
      message: `is ${readPort}, service.port, the VIP's port for writes; the read port is a second virtual service on the VIP and needs a port of its own`,
      hint: `choose another port, e.g. ${readPort === 6380 ? 6381 : 6380}, or remove read_port`,
    };
  }
  if (context.sentinel && readPort === SENTINEL_PORT) {
    return {
      message: `is ${SENTINEL_PORT}, Redis Sentinel's port; with redis.sentinel every real server runs a Sentinel there, and each real server passes connections to the read port on to Redis, so no Sentinel could reach those on the real servers`,
      hint: `choose another port, e.g. 6380`,
    };
  }
  if (context.realServers !== undefined && context.realServers < 2) {
    return {
      message: `needs a replica to read from; real_servers lists ${context.realServers}, the primary`,
      hint: 'add a real server to replicate the primary, or remove read_port',
    };
  }
  return undefined;
}

/**
 * The real servers pass connections to the read port on to Redis's port (a redirect on each), so
 * the read port must be no port they serve otherwise: not the one lbprov and people SSH to.
 * `lbprov init` checks the SSH port typed with it.
 */
export function readPortSshProblem(readPort: number, sshPort: number): Problem | undefined {
  if (readPort !== sshPort) return undefined;
  return {
    message: `the read port and the real servers' SSH port are both ${readPort}; each real server passes connections to the read port on to Redis, which would take SSH connections too`,
    hint: `choose another read port, e.g. ${readPort === 6380 ? 6381 : 6380}`,
  };
}

/** lbprov's default SSH port, where neither the inventory nor (unknown here) the OpenSSH config gives one. */
const SSH_DEFAULT_PORT = 22;

function readPort(port: number | undefined, sections: ParsedSections, sentinel: boolean): Finding[] {
  if (port === undefined) return [];
  const problem =
    readPortProblem(port, {
      servicePort: sections.service?.port,
      realServers: sections.real_servers?.length,
      sentinel,
    }) ??
    (sections.real_servers ?? [])
      .map((s) => readPortSshProblem(port, s.ssh?.port ?? sections.ssh?.port ?? SSH_DEFAULT_PORT))
      .find((p) => p !== undefined);
  return problem === undefined ? [] : [{ path: ['redis', 'read_port'], ...problem }];
}

/** Why Redis cannot have Sentinel's port; `lbprov init` offers no Sentinel on that port. */
export function servicePortSentinelProblem(servicePort: number): Problem | undefined {
  if (servicePort !== SENTINEL_PORT) return undefined;
  return {
    message: `is ${SENTINEL_PORT}, Redis Sentinel's port; with redis.sentinel every real server runs a Sentinel there beside Redis, and only one of them can listen on it`,
    hint: 'give Redis another port, e.g. 6379, or leave redis.sentinel out',
  };
}

/**
 * Why `count` Sentinels cannot promote a replica, and which directors would make up the number
 * (`spare`: directors not yet running one); `lbprov init` asks for also_on with it.
 */
export function sentinelCountProblem(
  count: number,
  spare: string[],
  written: 'true' | 'object',
): Problem | undefined {
  if (count >= MIN_SENTINELS) return undefined;
  const missing = MIN_SENTINELS - count;
  const add = spare.slice(0, missing);
  const example =
    written === 'true' ? `sentinel: { also_on: [${add.join(', ')}] }` : `also_on: [${add.join(', ')}]`;
  return {
    message: `would run ${count} Sentinel${count === 1 ? '' : 's'}; Sentinel promotes a replica only when a majority of all Sentinels agrees, and the primary's host takes its own Sentinel down with it: from ${MIN_SENTINELS} Sentinels on, the others are still a majority`,
    hint:
      add.length === missing
        ? `run a Sentinel on ${missing === 1 ? 'a director' : `${missing} directors`} too: ${example}`
        : `add real servers, or directors to also_on, until ${MIN_SENTINELS} hosts run a Sentinel`,
  };
}

function sentinelRules(written: Redis['sentinel'], sentinel: Sentinel, sections: ParsedSections): Finding[] {
  const findings: Finding[] = [];
  const servicePort = sections.service?.port;
  const portProblem = servicePort === undefined ? undefined : servicePortSentinelProblem(servicePort);
  if (portProblem) findings.push({ path: ['service', 'port'], ...portProblem });
  if (sentinel.failover_timeout_ms < MIN_FAILOVER_TIMEOUT_MS) {
    findings.push({
      path: ['redis', 'sentinel', 'failover_timeout_ms'],
      message: `is ${sentinel.failover_timeout_ms}; Sentinel sees a promotion through INFO, which it asks a replica for once a second during a failover, and abandons a failover whose promotion it has not seen within failover-timeout`,
      hint: `use ${MIN_FAILOVER_TIMEOUT_MS} or more (lbprov's default is 60000, Redis's 180000)`,
    });
  }
  const directors = sections.directors;
  const servers = sections.real_servers;
  // Whom also_on names, and how many Sentinels that makes, needs every director's and real server's host.
  if (directors === undefined || directors.some((d) => d.host === undefined)) return findings;
  const { running, errors } = alsoOn(sentinel.also_on, directors, servers ?? []);
  findings.push(...errors);
  if (servers === undefined || errors.length > 0) return findings;
  const spare = directors.filter((_, index) => !running.has(index)).map(labelOf);
  const countProblem = sentinelCountProblem(
    servers.length + running.size,
    spare,
    written === true ? 'true' : 'object',
  );
  if (countProblem) findings.push({ path: ['redis', 'sentinel'], ...countProblem });
  return findings;
}

/** The directors also_on names (by index), and what it names that is no director or a second time. */
function alsoOn(
  names: string[],
  directors: NonNullable<ParsedSections['directors']>,
  servers: NonNullable<ParsedSections['real_servers']>,
): { running: Set<number>; errors: Finding[] } {
  // Looked up in Maps: an also_on list of thousands must not cost millions of comparisons.
  const byName = new Map<string, number>();
  const byHost = new Map<string, number>();
  directors.forEach((d, index) => {
    if (!byName.has(labelOf(d))) byName.set(labelOf(d), index);
    if (d.host !== undefined && !byHost.has(d.host)) byHost.set(d.host, index);
  });
  const serverNames = new Set(servers.flatMap((s) => [labelOf(s), s.host ?? '']));
  const candidates = [...byName.keys()];
  const running = new Map<number, number>();
  const errors: Finding[] = [];
  names.forEach((name, position) => {
    const path = ['redis', 'sentinel', 'also_on', position];
    // The first director with that name or host, as the model's sentinelHosts finds it.
    const named = byName.get(name);
    const hosted = byHost.get(name);
    const index = named === undefined ? hosted : hosted === undefined ? named : Math.min(named, hosted);
    if (index === undefined) {
      const server = serverNames.has(name);
      const guess = server ? undefined : didYouMean(name, candidates);
      errors.push({
        path,
        message: server
          ? `names ${name}, a real server, which runs a Sentinel already; also_on names directors (${listed(candidates)})`
          : `names no director (directors: ${listed(candidates)})`,
        hint:
          guess !== undefined
            ? `did you mean ${guess}?`
            : 'write the name (or host) of a director, or remove the entry',
      });
      return;
    }
    const first = running.get(index);
    if (first !== undefined) {
      errors.push({
        path,
        message: `names directors[${index}] again (also_on[${first}] does); a director runs one Sentinel`,
        hint: 'remove the duplicate entry',
      });
      return;
    }
    running.set(index, position);
  });
  return { running: new Set(running.keys()), errors };
}
