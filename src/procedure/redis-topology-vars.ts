import type { HostEntry, Inventory, RealServer } from '../model/inventory.js';
import { initialPrimary, sentinelHosts, sentinelQuorum } from '../model/redis-topology.js';
import {
  REDIS_REPLICATION_INCLUDE,
  REDIS_REPLICATION_INCLUDE_REGEXP,
  REDIS_REPLICATION_PATH,
  renderRedisReplication,
  replicaofLine,
  REPLICAOF_REGEXP,
} from '../render/redis-replication.js';
import {
  REDIS_SERVER_BINARY,
  renderSentinelConf,
  sentinelLinkCommand,
  sentinelUnlinkCommand,
  renderSentinelInitScript,
  renderSentinelUnit,
  SENTINEL_BINARY,
  SENTINEL_CONF_PATH,
  SENTINEL_PID_FILE,
  SENTINEL_PROCESS,
  SENTINEL_SECRET_REGEXP,
  SENTINEL_SEED_RECORD_PATH,
  SENTINEL_SERVICE,
} from '../render/redis-sentinel.js';
import type { RealServerVars, SentinelVars } from '../playbook/role-vars.js';

/**
 * Replication on one real server: kept by lbprov in its own include file without Sentinel, seeded
 * once into redis.conf with Sentinel (which moves the primary from then on).
 */
export function replicationVars(
  inventory: Inventory,
  server: RealServer,
): RealServerVars['redis']['replication'] {
  const primary = initialPrimary(inventory);
  const upstream =
    primary === undefined || primary.name === server.name
      ? undefined
      : { host: primary.host, port: inventory.service.port };
  const sentinel = sentinelHosts(inventory).length > 0;
  return {
    on: primary !== undefined,
    kept: primary !== undefined && !sentinel,
    seeded: primary !== undefined && sentinel,
    replica: upstream !== undefined,
    path: REDIS_REPLICATION_PATH,
    content: renderRedisReplication(upstream),
    include: REDIS_REPLICATION_INCLUDE,
    include_regexp: REDIS_REPLICATION_INCLUDE_REGEXP,
    replicaof_regexp: REPLICAOF_REGEXP,
    // Filled for every host, even one `when` skips (the primary's seed removes any replicaof).
    seed_line: upstream === undefined ? '' : replicaofLine(upstream),
  };
}

/** A Sentinel on `host` when it is one of sentinelHosts (a real server, or a director in also_on). */
export function sentinelVars(inventory: Inventory, host: HostEntry, redisPassword?: string): SentinelVars {
  const hosts = sentinelHosts(inventory);
  const primary = initialPrimary(inventory);
  const settings = inventory.redis.sentinel;
  const here =
    hosts.some((entry) => entry.host === host.host) && primary !== undefined && settings !== undefined;
  return {
    here,
    service: SENTINEL_SERVICE,
    process: SENTINEL_PROCESS,
    pid_file: SENTINEL_PID_FILE,
    binary: SENTINEL_BINARY,
    redis_server: REDIS_SERVER_BINARY,
    install: inventory.redis.install,
    link: sentinelLinkCommand(),
    unlink: sentinelUnlinkCommand(),
    conf_path: SENTINEL_CONF_PATH,
    seed_record: SENTINEL_SEED_RECORD_PATH,
    conf: here
      ? renderSentinelConf({
          host: host.host,
          primary: { host: primary.host, port: inventory.service.port },
          quorum: sentinelQuorum(hosts.length),
          downAfterMs: settings.down_after_ms,
          failoverTimeoutMs: settings.failover_timeout_ms,
          ...(redisPassword === undefined ? {} : { password: redisPassword }),
        })
      : '',
    secret_regexp: SENTINEL_SECRET_REGEXP,
    init_script_path: `/etc/init.d/${SENTINEL_SERVICE}`,
    init_script: renderSentinelInitScript(),
    unit_path: `/etc/systemd/system/${SENTINEL_SERVICE}.service`,
    unit: renderSentinelUnit(),
  };
}
