/**
 * `lbprov drill realserver <host>`: stop Redis on one real server (through its init system), time
 * it leaving each director's IPVS table, start it again and time its return. Where a director's
 * kernel has no IPVS that part is not provable: Redis is stopped and restored all the same, so the
 * drill still shows the service control works. Redis is always started again before the drill ends.
 */
import { ExitCode } from '../util/exit-codes.js';
import type { Inventory, RealServer } from '../model/inventory.js';
import type { Transport } from '../transport/types.js';
import { clip, escapeUnprintable } from '../util/printable.js';
import { listeningCommand } from './commands.js';
import { drillClock, DrillError, withHosts, type DrillContext } from './drill-common.js';
import { stopAndStart } from './drill-plan.js';
import type { DrillResult } from '../engine/events.js';
import { gatherEvidence } from './evidence.js';
import { IPVS_SUPPORT_COMMAND, ipvsTableCommand, NO_IPVS, parseIpvsSupport } from './ipvs-support.js';
import { vipService } from './ipvsadm.js';
import { listensOn, parseSsListening } from './listening.js';
import { pollUntil, type WatchedHost } from './poll.js';
import { initCommandByHand, REDIS_SERVICE_NAME_COMMAND } from './service-control.js';
import { checkRemovalBoundMs, checkReturnBoundMs } from './timing.js';
/** How long Redis may take to listen again after its init script started it. */
const REDIS_START_TIMEOUT_MS = 30_000;

export function findRealServer(inventory: Inventory, target: string): RealServer {
  const server = inventory.real_servers.find((entry) => entry.name === target || entry.host === target);
  if (!server) {
    // The argument as typed, which may hold terminal escapes.
    throw new DrillError(
      `${clip(escapeUnprintable(target))} is not a real server of the inventory (real servers: ${inventory.real_servers
        .map((entry) => entry.name)
        .join(', ')})`,
      ExitCode.Usage,
    );
  }
  return server;
}

/** Whether `server` is in the VIP's service in `ipvsadm -L -n` output (undefined: unreadable). */
export function listedInService(
  tableOutput: string,
  inventory: Inventory,
  server: RealServer,
): boolean | undefined {
  const service = vipService(tableOutput, inventory);
  if (service === undefined) return undefined;
  const port = inventory.service.port;
  return (service?.realServers ?? []).some(
    (member) => member.address === server.host && member.port === port,
  );
}

async function redisListens(transport: Transport, port: number, address: string): Promise<boolean> {
  const result = await transport.exec(listeningCommand(port));
  return result.code === 0 && listensOn(parseSsListening(result.stdout), address, port);
}

/** The directors whose IPVS table can show the real server leaving; the others are reported not provable. */
async function provableDirectors(
  context: DrillContext,
  server: RealServer,
  transports: Map<string, Transport>,
): Promise<{ watched: WatchedHost[]; notProvable: { host: string; what: string }[] }> {
  const { inventory } = context;
  const watched: WatchedHost[] = [];
  const notProvable: { host: string; what: string }[] = [];
  for (const director of inventory.directors) {
    const transport = transports.get(director.name)!;
    const evidence = await gatherEvidence(transport, {
      support: IPVS_SUPPORT_COMMAND,
      table: ipvsTableCommand('services'),
    });
    const state = parseIpvsSupport(evidence.support.output);
    const hint = 'run `lbprov verify`, fix what it reports, then drill again';
    if (state === 'absent') {
      notProvable.push({ host: director.name, what: `${server.name} leaving ${director.name}'s IPVS table` });
      continue;
    }
    if (state !== 'present' || evidence.table.exit_code !== 0) {
      throw new DrillError(
        `${director.name}'s IPVS table cannot be read (${evidence.support.output} ${evidence.table.output}); nothing was changed`,
        ExitCode.Drifted,
        hint,
      );
    }
    if (listedInService(evidence.table.output, inventory, server) !== true) {
      throw new DrillError(
        `${server.name} is not in ${director.name}'s IPVS service before the drill, so its leaving cannot be timed; nothing was changed`,
        ExitCode.Drifted,
        hint,
      );
    }
    watched.push({ name: director.name, transport });
  }
  return { watched, notProvable };
}

export async function realServerDrill(context: DrillContext, target: string): Promise<DrillResult> {
  const { inventory, emit } = context;
  const server = findRealServer(inventory, target);
  const port = inventory.service.port;
  const expectedRemoval = checkRemovalBoundMs(inventory.service, inventory.keepalived.version);
  const expectedReturn = checkReturnBoundMs(inventory.service);
  const hosts = [server, ...inventory.directors];
  return withHosts(context, hosts, new Set([server.name]), 'lbprov drill realserver', async (transports) => {
    const clock = drillClock();
    const onServer = transports.get(server.name)!;
    const before = await gatherEvidence(onServer, { service: REDIS_SERVICE_NAME_COMMAND });
    if (before.service.exit_code !== 0) {
      throw new DrillError(`${server.name}: ${before.service.output}`, ExitCode.Failed);
    }
    const service = before.service.output.trim();
    if (!(await redisListens(onServer, port, server.host))) {
      throw new DrillError(
        `Redis does not listen on ${server.host}:${port}, so there is nothing to stop; nothing was changed`,
        ExitCode.Drifted,
        'run `lbprov verify`, fix what it reports, then drill again',
      );
    }
    const { watched, notProvable } = await provableDirectors(context, server, transports);
    emit({
      type: 'drill',
      drill: 'realserver',
      plan:
        `stop Redis (${service}) on ${server.name} through its init system` +
        (watched.length > 0
          ? `, time it leaving the IPVS table of ${watched.map((host) => host.name).join(', ')} ` +
            `(keepalived's TCP_CHECK bound: ${expectedRemoval} ms), start it again and time its return`
          : ', then start it again (its leaving the IPVS table is not provable here)'),
    });
    for (const part of notProvable) emit({ type: 'not_provable', ...part, reason: NO_IPVS });

    const startByHand = initCommandByHand(service, 'start');
    return stopAndStart(context, {
      drill: 'realserver',
      host: { name: server.name, transport: onServer },
      service,
      label: 'Redis',
      clock,
      watched: watched.map((host) => host.name),
      showingBefore: watched.map((host) => host.name),
      show: async () => {
        const listed = await Promise.all(
          watched.map(async (host) => {
            const result = await host.transport.exec(ipvsTableCommand('services'));
            return listedInService(result.stdout, inventory, server) ? [host.name] : [];
          }),
        );
        return new Set(listed.flat());
      },
      observed: (_host, listed) => `${server.name} ${listed ? 'is back in' : 'left'} the IPVS table`,
      stop: {
        done: (listed) => listed.size === 0,
        boundMs: expectedRemoval,
        timed: watched.map((host) => ({
          what: `${server.name} leaves ${host.name}'s IPVS table`,
          holds: (listed) => !listed.has(host.name),
          expectedMs: expectedRemoval,
        })),
      },
      start: {
        done: (listed) => listed.size === watched.length,
        boundMs: expectedReturn,
        timed: watched.map((host) => ({
          what: `${server.name} back in ${host.name}'s IPVS table`,
          holds: (listed) => listed.has(host.name),
          expectedMs: expectedReturn,
        })),
      },
      afterStop: async () => {
        if (await redisListens(onServer, port, server.host))
          return `Redis on ${server.name} still listens after its init script's stop`;
        emit({ type: 'observed', host: server.name, what: 'Redis no longer listens', at_ms: clock() });
        return undefined;
      },
      serviceUp: async () => {
        const listening = await pollUntil(() => redisListens(onServer, port, server.host), {
          clock,
          timeoutMs: REDIS_START_TIMEOUT_MS,
          signal: new AbortController().signal,
          done: (up) => up,
        });
        if (listening.reached) {
          emit({
            type: 'observed',
            host: server.name,
            what: `Redis listens on ${server.host}:${port} again`,
            at_ms: listening.samples.at(-1)!.at_ms,
          });
        }
        return listening.reached;
      },
      notRestored: (up) =>
        `Redis on ${server.name} is not serving again${up ? ' in every IPVS table' : ''}: ` +
        `check it (${startByHand}), then run \`lbprov verify\``,
      not_provable: notProvable.map((part) => `${part.what}: ${NO_IPVS}`),
    });
  });
}
