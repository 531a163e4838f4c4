import { MANAGED_HEADER } from './header.js';

/**
 * Replication lbprov keeps itself (primary-replica without Sentinel) lives in a file of its own
 * that redis.conf includes last, as the password does: a host that leaves the topology loses
 * lbprov's replicaof and never one an operator wrote into redis.conf. With Sentinel the primary
 * moves, so the initial replicaof goes into redis.conf itself (see REPLICAOF_REGEXP), where Redis's
 * CONFIG REWRITE keeps it up to date after every failover; an include read after it would not be
 * rewritten and would bring the old primary back at the next restart.
 */
export const REDIS_REPLICATION_PATH = '/etc/redis/lbprov-replication.conf';

export const REDIS_REPLICATION_INCLUDE = `include ${REDIS_REPLICATION_PATH}`;

/** The include line, and only it (a commented-out one does not count). */
export const REDIS_REPLICATION_INCLUDE_REGEXP = `^\\s*include\\s+${REDIS_REPLICATION_PATH.replace(/[.]/g, '\\.')}\\s*$`;

/** A replicaof line, or its pre-5.0 spelling slaveof, as Redis reads both. */
export const REPLICAOF_REGEXP = '^\\s*(?:replicaof|slaveof)\\s';

/** The line that makes a host a replica of `primary` (validated host or address, and port). */
export function replicaofLine(primary: { host: string; port: number }): string {
  return `replicaof ${primary.host} ${primary.port}`;
}

/** lbprov's replication file: the replicaof line for a replica, only comments for the primary. */
export function renderRedisReplication(replicaOf: { host: string; port: number } | undefined): string {
  return [
    MANAGED_HEADER,
    "# Replication for the inventory's redis.topology: primary-replica; /etc/redis/redis.conf includes this file.",
    replicaOf === undefined
      ? '# This host is the primary (redis.primary): it replicates no one.'
      : replicaofLine(replicaOf),
    '',
  ].join('\n');
}
