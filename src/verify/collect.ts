import type { HostEntry, Inventory } from '../model/inventory.js';
import type { Gathered, ClusterEvidence } from './checks.js';
import { clientCommands, directorCommands, realServerCommands } from './commands.js';
import { clientEntry, failureOf, type ConnectHost } from './connect.js';
import { gatherEvidence } from './evidence.js';
import { buildsCommand, builtPrograms } from './builds.js';
import { topologyCommands, topologyEvidence, type TopologyEvidence } from './redis-evidence.js';
import type { VerifyScope } from './scope.js';

/** Connects, gathers in one round trip, disconnects: every host at once. */
async function gatherFrom<K extends string>(
  connect: ConnectHost,
  entry: HostEntry,
  commands: Record<K, string>,
): Promise<Gathered<K>> {
  let transport;
  try {
    transport = await connect(entry);
  } catch (error) {
    return { ok: false, ...failureOf(error) };
  }
  try {
    return { ok: true, evidence: await gatherEvidence(transport, commands) };
  } catch (error) {
    return {
      ok: false,
      message: `reading its state failed: ${failureOf(error).message}`,
      hint: 'check that the host has a POSIX shell, iproute2 and procps',
    };
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** The evidence of the hosts in `scope`, and the client's PINGs for them. */
export async function collectClusterEvidence(
  inventory: Inventory,
  connect: ConnectHost,
  scope: VerifyScope,
): Promise<ClusterEvidence> {
  const port = inventory.service.port;
  const client = clientEntry(inventory);
  const pings = clientCommands(
    scope.realServers,
    scope.wholeCluster ? inventory.vrrp.vip.address : undefined,
    port,
  );
  const [directors, realServers, clientGathered] = await Promise.all([
    Promise.all(
      scope.directors.map(
        async (director) =>
          [
            director.name,
            await gatherFrom(connect, director, {
              ...directorCommands({ stats: false }),
              builds: buildsCommand(builtPrograms(inventory)),
              ...topologyCommands(inventory, director),
            }),
          ] as const,
      ),
    ),
    Promise.all(
      scope.realServers.map(
        async (server) =>
          [
            server.name,
            await gatherFrom(connect, server, {
              ...realServerCommands(port),
              ...topologyCommands(inventory, server),
            }),
          ] as const,
      ),
    ),
    // Contacted only when it has something to ping for the selected hosts.
    client && Object.keys(pings).length > 0 ? gatherFrom(connect, client, pings) : undefined,
  ]);
  const topology = new Map<string, TopologyEvidence>();
  for (const [name, gathered] of [...directors, ...realServers]) {
    if (gathered.ok) topology.set(name, topologyEvidence(gathered.evidence));
  }
  return {
    directors: new Map(directors),
    realServers: new Map(realServers),
    topology,
    ...(client && clientGathered ? { client: { name: client.name, gathered: clientGathered } } : {}),
  };
}
