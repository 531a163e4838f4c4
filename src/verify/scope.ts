import type { Director, Inventory, RealServer } from '../model/inventory.js';
import type { CheckId } from '../engine/events.js';

/** A check that `--limit` kept from running, and why. */
interface NotRun {
  check: CheckId;
  reason: string;
}

/**
 * What `lbprov verify` looks at. As Ansible's `--limit`: only the selected hosts are contacted and
 * only their own checks run. The checks about the whole cluster (the VIP on exactly one director,
 * PING through the VIP) need every director's state, so they run only when every director is
 * selected, and are listed as not run otherwise: a pass must never rest on half the evidence.
 * The verification client is a helper, not a target: it pings the selected real servers.
 */
export interface VerifyScope {
  directors: Director[];
  realServers: RealServer[];
  /** Every director selected: the cluster-wide checks can run. */
  wholeCluster: boolean;
  /** The inventory's hosts --limit left out, none of whose checks ran. */
  leftOut: string[];
  notRun: NotRun[];
}

const CLUSTER_CHECKS: CheckId[] = ['vip-on-one-director', 'redis-ping-via-vip'];

/** `selected`: the names --limit chose; undefined (no --limit) means every host. */
export function verifyScope(inventory: Inventory, selected?: ReadonlySet<string>): VerifyScope {
  const isSelected = (entry: { name: string }) => selected === undefined || selected.has(entry.name);
  const missingDirectors = inventory.directors.filter((director) => !isSelected(director));
  const reason = `needs every director, and --limit left out ${missingDirectors.map((d) => d.name).join(', ')}`;
  return {
    directors: inventory.directors.filter(isSelected),
    realServers: inventory.real_servers.filter(isSelected),
    wholeCluster: missingDirectors.length === 0,
    leftOut: [...inventory.directors, ...inventory.real_servers]
      .filter((entry) => !isSelected(entry))
      .map((entry) => entry.name),
    notRun: missingDirectors.length === 0 ? [] : CLUSTER_CHECKS.map((check) => ({ check, reason })),
  };
}
