/**
 * verify under a primary-replica topology: the roles read from every real server decide the Redis
 * checks, and what each director's IPVS pools must hold (the VIP's port: the primary; read_port:
 * the replicas) in place of "every real server in the pool".
 */
import type { Check, Evidence } from '../engine/events.js';
import type { Inventory } from '../model/inventory.js';
import { initialPrimary, sentinelHosts, sentinelQuorum } from '../model/redis-topology.js';
import { decideIpvs, type IpvsExpectation } from './decide.js';
import {
  decideRedisPrimary,
  decideRedisReplica,
  decideSentinel,
  decideSentinelQuorum,
  decideWritePool,
  readRoles,
  type Roles,
} from './redis-checks.js';
import type { TopologyEvidence } from './redis-evidence.js';

export interface RedisTopologyAssessment {
  /** The primary, replica and Sentinel checks; none unless every real server was read. */
  checks: Check[];
  roles: Roles | undefined;
  /** One director's IPVS checks for the topology's pools. */
  ipvs(director: string, support: Evidence, table: Evidence, expected: IpvsExpectation): Check[];
}

/**
 * `topology`: the topology evidence of each host that gave some. `everyRedisHost`: every real
 * server and Sentinel host was in scope (roles and the Sentinels' agreement need them all).
 */
export function assessRedisTopology(
  inventory: Inventory,
  topology: ReadonlyMap<string, TopologyEvidence>,
  everyRedisHost: boolean,
): RedisTopologyAssessment {
  const port = inventory.service.port;
  const readPort = inventory.redis.read_port;
  const servers = inventory.real_servers.map((server) => ({
    server,
    replication: topology.get(server.name)?.replication,
  }));
  const roles = everyRedisHost ? readRoles(servers) : undefined;
  const checks: Check[] = [];
  if (roles) {
    checks.push(decideRedisPrimary(servers, roles, initialPrimary(inventory)));
    for (const { server, replication } of servers) {
      if (server.name !== roles.primary?.name && replication)
        checks.push(decideRedisReplica(server, replication, roles, port));
    }
    const sentinels = sentinelHosts(inventory).map((host) => {
      const evidence = topology.get(host.name);
      return decideSentinel(
        {
          host,
          ...(evidence?.sentinelMaster ? { master: evidence.sentinelMaster } : {}),
          ...(evidence?.sentinelQuorum ? { quorum: evidence.sentinelQuorum } : {}),
        },
        roles.primary,
        port,
      );
    });
    checks.push(...sentinels);
    if (sentinels.length > 0) checks.push(decideSentinelQuorum(sentinels, sentinelQuorum(sentinels.length)));
  }
  return {
    checks,
    roles,
    ipvs: (director, support, table, expected) => {
      const primary = roles?.primary;
      const replicas = roles?.replicas ?? [];
      return [
        // The primary in the VIP's port with weight > 0: decideIpvs's member check, for it alone.
        ...decideIpvs(director, support, table, { ...expected, realServers: primary ? [primary] : [] }),
        // Under --limit the roles are unknown: the pool is not compared with them.
        ...(roles
          ? [
              decideWritePool(director, support, table, {
                vip: expected.vip,
                port,
                protocol: expected.protocol,
                primary,
                replicas,
              }),
            ]
          : []),
        ...(readPort === undefined || !roles
          ? []
          : decideIpvs(director, support, table, { ...expected, port: readPort, realServers: replicas })),
      ];
    },
  };
}
