/**
 * verify's checks of a primary-replica topology, decided from the evidence alone: one primary
 * (INFO replication role:master), every other real server its replica and in sync, every Sentinel
 * naming that primary, enough Sentinels for a failover, and the IPVS pools following the roles.
 */
import type { Check, Evidence } from '../engine/events.js';
import { SENTINEL_MASTER_NAME } from '../model/redis-topology.js';
import { NO_IPVS, parseIpvsSupport } from './ipvs-support.js';
import { IpvsadmParseError, parseIpvsadmList } from './ipvsadm.js';
import {
  IN_SYNC_BYTES,
  parseReplication,
  parseSentinelMaster,
  parseSentinelQuorum,
  REDIS_ANSWER_TIMEOUT_SECONDS,
  type Replication,
} from './redis-info.js';
import { firstLine } from '../util/printable.js';

export interface Server {
  name: string;
  host: string;
}

/** A real server's `INFO replication`; undefined when the host could not be read at all. */
export interface RoleEvidence {
  server: Server;
  replication: Evidence | undefined;
}

/** Why Redis gave no INFO, and what to do: the password file, a refused or slow connection. */
function noInfo(server: Server, evidence: Evidence, reason: string): { detail: string; hint: string } {
  if (evidence.exit_code === 124) {
    return {
      detail: `Redis on ${server.name} did not answer INFO within ${REDIS_ANSWER_TIMEOUT_SECONDS}s`,
      hint: `check Redis on ${server.name} (is it loading a large dataset?)`,
    };
  }
  if (/NOAUTH|WRONGPASS|AUTH failed|can't read|No such file/.test(evidence.output)) {
    return {
      detail: `verify cannot authenticate to Redis on ${server.name}: ${reason}`,
      hint: "verify reads the password from the host's own /etc/redis/lbprov-requirepass.conf, which `lbprov apply` writes (redis.manage: true)",
    };
  }
  return {
    detail: `Redis on ${server.name} gave no INFO: ${reason}`,
    hint: `start Redis on ${server.name} (\`service redis-server start\`) or run \`lbprov apply\``,
  };
}

export interface Roles {
  /** The one real server that reports role:master, when exactly one does. */
  primary?: Server;
  replicas: Server[];
  parsed: Map<string, Replication>;
}

export function readRoles(servers: RoleEvidence[]): Roles {
  const parsed = new Map<string, Replication>();
  for (const { server, replication } of servers) {
    if (replication) parsed.set(server.name, parseReplication(replication.output));
  }
  const masters = servers.filter(({ server }) => parsed.get(server.name)?.role === 'master');
  const [only] = masters;
  return {
    ...(masters.length === 1 && only ? { primary: only.server } : {}),
    replicas: servers
      .filter(({ server }) => masters.length !== 1 || server !== only?.server)
      .map(({ server }) => server),
    parsed,
  };
}

/** Exactly one real server is primary; `initial`: redis.primary's (or the first) real server. */
export function decideRedisPrimary(
  servers: RoleEvidence[],
  roles: Roles,
  initial: Server | undefined,
): Check {
  const base = {
    check: 'redis-primary' as const,
    title: 'exactly one Redis primary among the real servers (INFO replication role:master)',
    evidence: servers.flatMap(({ replication }) => (replication ? [replication] : [])),
  };
  const masters = servers.filter(({ server }) => roles.parsed.get(server.name)?.role === 'master');
  if (roles.primary) {
    const moved =
      initial && initial.name !== roles.primary.name
        ? `; not ${initial.name}, where lbprov started it: a failover moved it (Sentinel keeps it there)`
        : '';
    return {
      ...base,
      host: roles.primary.name,
      verdict: 'pass',
      detail: `${roles.primary.name} (${roles.primary.host}) is the primary${moved}`,
    };
  }
  if (masters.length > 1) {
    return {
      ...base,
      host: masters.map(({ server }) => server.name).join(', '),
      verdict: 'fail',
      detail: `${masters.length} real servers report role:master (${masters.map(({ server }) => server.name).join(', ')}): writes split between datasets`,
      hint: 'make all but one a replica (`REPLICAOF <primary> <port>` on the others); with Sentinel, check that every Sentinel runs and agrees (the sentinel checks)',
    };
  }
  const unread = servers.filter(({ server }) => roles.parsed.get(server.name)?.role !== 'slave');
  return {
    ...base,
    host: servers.map(({ server }) => server.name).join(', '),
    verdict: 'fail',
    detail: `no real server reports role:master${
      unread.length > 0
        ? ` (${unread
            .map(({ server, replication }) =>
              replication ? `${server.name}: ${firstLine(replication.output)}` : `${server.name}: not read`,
            )
            .join('; ')})`
        : ''
    }: nothing accepts writes`,
    hint: 'start Redis on the primary; with Sentinel, check the sentinel checks: a failover needs a quorum',
  };
}

/** One replica: role:slave of the primary, link up, at most IN_SYNC_BYTES behind it. */
export function decideRedisReplica(server: Server, evidence: Evidence, roles: Roles, port: number): Check {
  const base = {
    check: 'redis-replica' as const,
    host: server.name,
    title: `Redis on ${server.name} replicates the primary and is in sync (within ${IN_SYNC_BYTES} bytes)`,
    evidence: [evidence],
  };
  const info = parseReplication(evidence.output);
  if (info.role === 'unknown') return { ...base, verdict: 'fail', ...noInfo(server, evidence, info.reason) };
  const primary = roles.primary;
  if (info.role === 'master') {
    return {
      ...base,
      verdict: 'fail',
      detail: `${server.name} reports role:master, so it is no replica`,
      hint: 'see the primary check: there must be exactly one',
    };
  }
  const upstream = `${info.masterHost}:${info.masterPort}`;
  if (!primary) {
    return {
      ...base,
      verdict: 'fail',
      detail: `${server.name} replicates ${upstream}, but no single primary was found to compare with`,
      hint: 'see the primary check',
    };
  }
  if (info.masterHost !== primary.host || info.masterPort !== port) {
    return {
      ...base,
      verdict: 'fail',
      detail: `${server.name} replicates ${upstream}, not the primary ${primary.name} (${primary.host}:${port})`,
      hint: `\`REPLICAOF ${primary.host} ${port}\` on ${server.name}; with Sentinel, check that its Sentinel runs`,
    };
  }
  if (!info.linkUp || info.syncing) {
    return {
      ...base,
      verdict: 'fail',
      detail: `${server.name}'s link to ${primary.name} is ${info.syncing ? 'still in its first sync' : 'down'} (master_link_status)`,
      hint: `check ${server.name}'s Redis log; a wrong masterauth or a firewall between the real servers stops replication`,
    };
  }
  const primaryInfo = roles.parsed.get(primary.name);
  const primaryOffset = primaryInfo?.role === 'master' ? primaryInfo.offset : undefined;
  if (primaryOffset === undefined) {
    return { ...base, verdict: 'fail', detail: `the primary ${primary.name}'s offset could not be read` };
  }
  const behind = primaryOffset - info.offset;
  if (behind > IN_SYNC_BYTES) {
    return {
      ...base,
      verdict: 'fail',
      detail: `${server.name} is ${behind} bytes behind ${primary.name} (offset ${info.offset} of ${primaryOffset}): reads from it are stale`,
      hint: `check the network and ${server.name}'s load; \`redis-cli INFO replication\` on both shows the lag`,
    };
  }
  return {
    ...base,
    verdict: 'pass',
    detail: `replicates ${primary.name} (${upstream}), link up, offset ${info.offset} of the primary's ${primaryOffset} (${Math.max(behind, 0)} bytes behind)`,
  };
}

export interface SentinelEvidence {
  host: Server;
  /** Undefined: the host could not be read at all. */
  master?: Evidence;
  quorum?: Evidence;
}

/** One Sentinel answers, names the primary verify found, and sees enough Sentinels to fail over. */
export function decideSentinel(sentinel: SentinelEvidence, primary: Server | undefined, port: number): Check {
  const base = {
    check: 'sentinel' as const,
    host: sentinel.host.name,
    title: `Sentinel on ${sentinel.host.name} names the primary and can reach a quorum`,
    evidence: [sentinel.master, sentinel.quorum].flatMap((evidence) => (evidence ? [evidence] : [])),
  };
  if (!sentinel.master || !sentinel.quorum) {
    return { ...base, verdict: 'fail', detail: 'the host could not be read (see its reachable check)' };
  }
  const answer = parseSentinelMaster(sentinel.master.output);
  if ('reason' in answer) {
    return {
      ...base,
      verdict: 'fail',
      detail: `no answer to SENTINEL get-master-addr-by-name ${SENTINEL_MASTER_NAME}: ${answer.reason}`,
      hint: `start lbprov's Sentinel on ${sentinel.host.name} (\`service lbprov-redis-sentinel start\`) or run \`lbprov apply\``,
    };
  }
  const named = `${answer.host}:${answer.port}`;
  if (!primary || answer.host !== primary.host || answer.port !== port) {
    return {
      ...base,
      verdict: 'fail',
      detail: primary
        ? `names ${named} as the primary, but ${primary.name} (${primary.host}:${port}) is`
        : `names ${named}, but no single real server reports role:master`,
      hint: 'a Sentinel that disagrees is cut off from the others or from Redis: check its log and the network (port 26379 between the Sentinels)',
    };
  }
  const quorum = parseSentinelQuorum(sentinel.quorum.output);
  if (!quorum.ok) {
    return {
      ...base,
      verdict: 'fail',
      detail: `names ${named}, but SENTINEL ckquorum says: ${quorum.text}`,
      hint: 'too few Sentinels see each other to agree on a failover: start the others, check port 26379 between them',
    };
  }
  return { ...base, verdict: 'pass', detail: `names ${named}; ${quorum.text}` };
}

/** A majority of the Sentinels answer and agree with the primary: a failover can be authorized. */
export function decideSentinelQuorum(sentinelChecks: Check[], quorum: number): Check {
  const agreeing = sentinelChecks.filter((check) => check.verdict === 'pass');
  const detail = `${agreeing.length} of ${sentinelChecks.length} Sentinels agree on the primary and see a quorum; a failover needs ${quorum}`;
  return {
    check: 'sentinel-quorum',
    host: sentinelChecks.map((check) => check.host).join(', '),
    title: `a quorum of Sentinels (${quorum} of ${sentinelChecks.length}) agrees on the primary`,
    evidence: [],
    ...(agreeing.length >= quorum
      ? { verdict: 'pass', detail }
      : {
          verdict: 'fail',
          detail: `${detail}: a failed primary would stay failed`,
          hint: 'see the sentinel checks above',
        }),
  };
}

export interface PoolExpectation {
  vip: string;
  port: number;
  protocol: string;
  /** Undefined: no single primary was found, so nothing can be compared. */
  primary: Server | undefined;
  replicas: Server[];
}

/**
 * The VIP's port carries the primary alone: a replica with weight > 0 there takes writes it must
 * refuse (READONLY). The primary's own presence and the read port's members are decideIpvs's.
 */
export function decideWritePool(
  director: string,
  support: Evidence,
  table: Evidence,
  expected: PoolExpectation,
): Check {
  const base = {
    check: 'ipvs-role' as const,
    host: director,
    title: `only the primary in the IPVS service ${expected.protocol} ${expected.vip}:${expected.port}`,
    evidence: [support, table],
  };
  const state = parseIpvsSupport(support.output);
  if (state === 'absent') {
    return { ...base, verdict: 'not_provable', detail: `${NO_IPVS} (${firstLine(support.output)})` };
  }
  if (state !== 'present' || table.exit_code !== 0) {
    return { ...base, verdict: 'fail', detail: 'the IPVS table cannot be read (see the IPVS service check)' };
  }
  if (!expected.primary) {
    return {
      ...base,
      verdict: 'fail',
      detail: 'no single primary was found, so the pool cannot match it',
      hint: 'see the primary check',
    };
  }
  let members;
  try {
    members = parseIpvsadmList(table.output).find(
      (service) =>
        service.protocol === expected.protocol &&
        service.address === expected.vip &&
        service.port === expected.port,
    )?.realServers;
  } catch (error) {
    if (!(error instanceof IpvsadmParseError)) throw error;
    return { ...base, verdict: 'fail', detail: `cannot read ipvsadm's output: ${error.message}` };
  }
  const active = (members ?? []).filter((member) => member.weight > 0);
  const wrong = expected.replicas.filter((replica) =>
    active.some((member) => member.address === replica.host && member.port === expected.port),
  );
  if (wrong.length > 0) {
    return {
      ...base,
      verdict: 'fail',
      detail: `the replica(s) ${wrong.map((server) => server.name).join(', ')} take connections on the write port: their writes fail with READONLY`,
      hint: `keepalived's Redis role check should remove them: check its MISC_CHECK in keepalived.conf and keepalived's log on ${director}, or run \`lbprov apply\``,
    };
  }
  return {
    ...base,
    verdict: 'pass',
    detail: `no replica has weight > 0 on port ${expected.port}; the primary ${expected.primary.name} is checked with the IPVS checks`,
  };
}
