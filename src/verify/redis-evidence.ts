/**
 * What verify asks each host about the Redis topology, in the same round trip as its other
 * evidence: a real server its Redis's INFO replication, a Sentinel host its Sentinel's answer.
 */
import type { Evidence } from '../engine/events.js';
import type { HostEntry, Inventory } from '../model/inventory.js';
import { hasPrimary, sentinelHosts } from '../model/redis-topology.js';
import { replicationCommand, sentinelMasterCommand, sentinelQuorumCommand } from './redis-info.js';

/** Keys of the topology evidence; prefixed so they never collide with a role's own keys. */
const KEYS = {
  replication: 'redis:replication',
  sentinelMaster: 'redis:sentinel-master',
  sentinelQuorum: 'redis:sentinel-quorum',
} as const;

export interface TopologyEvidence {
  replication?: Evidence;
  sentinelMaster?: Evidence;
  sentinelQuorum?: Evidence;
}

/** Whether verify must read the password from the real servers' own file (lbprov set requirepass). */
export function hostHoldsPassword(inventory: Inventory): boolean {
  return inventory.redis.manage && inventory.redis.password !== undefined;
}

/** The topology's commands for one host (none without a primary-replica topology). */
export function topologyCommands(inventory: Inventory, entry: HostEntry): Record<string, string> {
  if (!hasPrimary(inventory)) return {};
  const isRealServer = inventory.real_servers.some((server) => server.name === entry.name);
  const runsSentinel = sentinelHosts(inventory).some((host) => host.name === entry.name);
  return {
    ...(isRealServer
      ? {
          [KEYS.replication]: replicationCommand(
            entry.host,
            inventory.service.port,
            hostHoldsPassword(inventory),
          ),
        }
      : {}),
    ...(runsSentinel
      ? {
          [KEYS.sentinelMaster]: sentinelMasterCommand(entry.host),
          [KEYS.sentinelQuorum]: sentinelQuorumCommand(entry.host),
        }
      : {}),
  };
}

/** The topology's part of a host's gathered evidence. */
export function topologyEvidence(evidence: Record<string, Evidence>): TopologyEvidence {
  const pick = (key: string) => evidence[key];
  const replication = pick(KEYS.replication);
  const sentinelMaster = pick(KEYS.sentinelMaster);
  const sentinelQuorum = pick(KEYS.sentinelQuorum);
  return {
    ...(replication ? { replication } : {}),
    ...(sentinelMaster ? { sentinelMaster } : {}),
    ...(sentinelQuorum ? { sentinelQuorum } : {}),
  };
}
