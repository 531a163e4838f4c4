import type { Director, HostEntry, Inventory, RealServer } from './inventory.js';

/**
 * What a Redis topology means for each host, derived once from the inventory so that the rules,
 * the rendered files, verify and the drills agree on who is primary and where Sentinels run.
 */

/** The name every Sentinel monitors the primary under (SENTINEL MONITOR <name> ...). */
export const SENTINEL_MASTER_NAME = 'lbprov';

/** Redis Sentinel's customary port; clients and lbprov ask it where the primary is. */
export const SENTINEL_PORT = 26379;

/** True when the VIP's port must reach one writable primary only. */
export function hasPrimary(inv: Inventory): boolean {
  return inv.redis.topology === 'primary-replica';
}

/**
 * The real server that starts as primary: the one redis.primary names (by name, else by host),
 * else the first. Undefined without a primary-replica topology, or when redis.primary names no
 * real server (validation refuses that inventory first).
 */
export function initialPrimary(inv: Inventory): RealServer | undefined {
  if (!hasPrimary(inv)) return undefined;
  const wanted = inv.redis.primary;
  if (wanted === undefined) return inv.real_servers[0];
  return (
    inv.real_servers.find((server) => server.name === wanted) ??
    inv.real_servers.find((server) => server.host === wanted)
  );
}

/** Every host that runs a Sentinel: each real server, then the directors redis.sentinel.also_on names. */
export function sentinelHosts(inv: Inventory): HostEntry[] {
  const sentinel = inv.redis.sentinel;
  if (!hasPrimary(inv) || sentinel === undefined) return [];
  const directors: Director[] = sentinel.also_on.flatMap(
    (name) => inv.directors.find((d) => d.name === name || d.host === name) ?? [],
  );
  return [...inv.real_servers, ...directors];
}

/** A majority of the Sentinels must agree the primary is down: with 3 that is 2. */
export function sentinelQuorum(sentinelCount: number): number {
  return Math.floor(sentinelCount / 2) + 1;
}
