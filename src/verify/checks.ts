/** Every check of `lbprov verify`, in report order, from the evidence each host gave. */
import type { Inventory } from '../model/inventory.js';
import type { DirectorEvidenceKey, RealServerEvidenceKey } from './commands.js';
import {
  decideDrSysctl,
  decideIpvs,
  decideKeepalivedRunning,
  decideRedisListening,
  decideRedisPing,
  decideVipOnLo,
  decideVipPing,
  decideVipPlacement,
  FORWARD_FOR_KIND,
  noClient,
  unreachableCheck,
  type DirectorAddresses,
  type VipHolder,
} from './decide.js';
import { findAddress, parseIpAddr } from './ip-addr.js';
import { decideBuilds } from './builds.js';
import { verifyScope, type VerifyScope } from './scope.js';
import type { Check, DirectorLive, Evidence, VerifyCounts, VerifySummary } from '../engine/events.js';
import { readDirectorLive } from './live.js';
import { hasPrimary, sentinelHosts } from '../model/redis-topology.js';
import { assessRedisTopology } from './redis-assess.js';
import type { TopologyEvidence } from './redis-evidence.js';

/** A host's evidence, or why there is none. */
export type Gathered<K extends string> =
  { ok: true; evidence: Record<K, Evidence> } | { ok: false; message: string; hint?: string };

export interface ClusterEvidence {
  directors: Map<string, Gathered<DirectorEvidenceKey | 'builds'>>;
  realServers: Map<string, Gathered<RealServerEvidenceKey>>;
  /** Absent when the inventory names no verify.client. */
  client?: { name: string; gathered: Gathered<string> };
  /** What each reachable host said about the Redis topology (nothing without primary-replica). */
  topology?: ReadonlyMap<string, TopologyEvidence>;
}

function gatheredOk<K extends string>(gathered: Gathered<K> | undefined): Record<K, Evidence> | undefined {
  return gathered?.ok ? gathered.evidence : undefined;
}

/** The checks of the hosts in `scope` (every host without --limit), from the evidence they gave. */
export function assessCluster(
  inventory: Inventory,
  cluster: ClusterEvidence,
  scope: VerifyScope = verifyScope(inventory),
): Check[] {
  const vip = inventory.vrrp.vip.address;
  const port = inventory.service.port;
  const checks: Check[] = [];

  const reachableDirectors: DirectorAddresses[] = [];
  const unreachable: string[] = [];
  for (const director of scope.directors) {
    const gathered = cluster.directors.get(director.name);
    if (!gathered?.ok) {
      unreachable.push(director.name);
      checks.push(
        unreachableCheck(director.name, 'director', gathered?.message ?? 'not contacted', gathered?.hint),
      );
    } else {
      reachableDirectors.push({
        name: director.name,
        state: director.state,
        addresses: gathered.evidence.addresses,
      });
    }
  }
  if (scope.wholeCluster)
    checks.push(decideVipPlacement(vip, reachableDirectors, unreachable, inventory.vrrp.preempt));

  const expectation = {
    protocol: inventory.service.protocol,
    vip,
    port,
    forward: FORWARD_FOR_KIND[inventory.service.lb_kind] ?? inventory.service.lb_kind,
    lbKind: inventory.service.lb_kind,
    realServers: inventory.real_servers.map((server) => ({ name: server.name, host: server.host })),
  };
  // Roles and Sentinels' agreement are about every real server and Sentinel: a --limit that leaves
  // one out leaves them unjudged.
  const selected = new Set([...scope.directors, ...scope.realServers].map((host) => host.name));
  const redis = hasPrimary(inventory)
    ? assessRedisTopology(
        inventory,
        cluster.topology ?? new Map(),
        [...inventory.real_servers, ...sentinelHosts(inventory)].every((host) => selected.has(host.name)),
      )
    : undefined;
  const holders: VipHolder[] = [];
  for (const director of scope.directors) {
    const evidence = gatheredOk(cluster.directors.get(director.name));
    if (!evidence) continue;
    checks.push(decideKeepalivedRunning(director.name, evidence.keepalived));
    checks.push(...decideBuilds(director.name, evidence.builds));
    checks.push(
      ...(redis ?? { ipvs: decideIpvs }).ipvs(
        director.name,
        evidence.ipvsSupport,
        evidence.ipvsTable,
        expectation,
      ),
    );
    if (findAddress(parseIpAddr(evidence.addresses.output), vip).length > 0) {
      holders.push({ name: director.name, ipvs: evidence.ipvsSupport });
    }
  }

  for (const server of scope.realServers) {
    const gathered = cluster.realServers.get(server.name);
    if (!gathered?.ok) {
      checks.push(
        unreachableCheck(server.name, 'real server', gathered?.message ?? 'not contacted', gathered?.hint),
      );
      continue;
    }
    const evidence = gathered.evidence;
    checks.push(
      decideVipOnLo(server.name, vip, evidence.addresses),
      decideDrSysctl(server.name, 'arp_ignore', 1, evidence.arp),
      decideDrSysctl(server.name, 'arp_announce', 2, evidence.arp),
      decideDrSysctl(server.name, 'rp_filter', 2, evidence.arp),
      decideRedisListening(server, vip, port, {
        listening: evidence.listening,
        processes: evidence.redis,
        addresses: evidence.addresses,
      }),
    );
  }

  if (redis) checks.push(...redis.checks);

  const client = cluster.client;
  const viaVipTitle = `Redis answers PING through the VIP ${vip}:${port} from a client`;
  if (!client) {
    for (const server of scope.realServers) {
      checks.push(noClient('redis-ping', server.name, `Redis on ${server.name} answers PING from a client`));
    }
    if (scope.wholeCluster) checks.push(noClient('redis-ping-via-vip', vip, viaVipTitle));
  } else if (!client.gathered.ok) {
    checks.push(
      unreachableCheck(client.name, 'verification client', client.gathered.message, client.gathered.hint),
    );
  } else {
    const pings = client.gathered.evidence;
    const passwordSet = inventory.redis.manage && inventory.redis.password !== undefined;
    for (const server of scope.realServers) {
      const ping = pings[`rs:${server.name}`];
      if (ping) checks.push(decideRedisPing(server, port, ping, passwordSet));
    }
    if (pings.vip) checks.push(decideVipPing(vip, port, pings.vip, holders, passwordSet));
  }
  return checks;
}

export function summarize(checks: readonly Check[]): VerifyCounts {
  return {
    passed: checks.filter((check) => check.verdict === 'pass').length,
    failed: checks.filter((check) => check.verdict === 'fail').length,
    not_provable: checks.filter((check) => check.verdict === 'not_provable').length,
    unreachable: checks.filter((check) => check.check === 'reachable').length,
  };
}

export function verifyExitCode(counts: VerifyCounts, codes: { unreachable: number; failed: number }): number {
  if (counts.unreachable > 0) return codes.unreachable;
  return counts.failed > 0 ? codes.failed : 0;
}

/** verify's closing event: the counts, the exit code, and what could not be proven or was left out. */
export function verifySummary(
  checks: readonly Check[],
  codes: { unreachable: number; failed: number },
  limited: Pick<VerifyScope, 'leftOut' | 'notRun'>,
  vip: string,
): VerifySummary {
  const counts = summarize(checks);
  return {
    type: 'verify_summary',
    ...counts,
    exit_code: verifyExitCode(counts, codes),
    vip,
    not_provable_checks: checks
      .filter((check) => check.verdict === 'not_provable')
      .map((check) => ({ check: check.check, host: check.host, title: check.title })),
    left_out: limited.leftOut,
    not_run: limited.notRun,
  };
}

/**
 * Each reachable director in `scope` as status draws it, from the evidence verify read anyway: its
 * IPVS table (without --stats) has the connections status reads from its second listing.
 */
export function directorsLive(
  inventory: Inventory,
  cluster: ClusterEvidence,
  scope: VerifyScope,
): DirectorLive[] {
  return scope.directors.flatMap((director) => {
    const evidence = gatheredOk(cluster.directors.get(director.name));
    return evidence
      ? [readDirectorLive(inventory, director, { ...evidence, ipvsList: evidence.ipvsTable })]
      : [];
  });
}
