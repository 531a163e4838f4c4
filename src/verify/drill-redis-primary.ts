/**
 * `lbprov drill redis-primary`: stop Redis on the current primary while the verify client writes
 * numbered, acknowledged writes; time how long writes fail until a new primary takes them, count
 * the acknowledged writes it lost, then start Redis on the old primary again (also after a failure
 * or Ctrl-C).
 *
 * Through the VIP where the directors carry it (IPVS); in a kernel without IPVS the VIP's data path
 * is not provable, and the writes go where a Sentinel-aware client sends them: the address Sentinel
 * names. Without Sentinel no new primary comes: the drill shows writes failing until Redis is back,
 * and times nothing it could not see.
 *
 * No fail-back: Sentinel treats every in-sync replica as an equal primary, verify accepts any single
 * primary the Sentinels agree on, and a SENTINEL FAILOVER back to the inventory's primary would be a
 * second write outage (with a second chance to lose writes) for a name in a file. The old primary
 * rejoins as a replica; the report names where the primary is now.
 */
import { ExitCode } from '../util/exit-codes.js';
import type { Inventory, RealServer } from '../model/inventory.js';
import { hasPrimary, sentinelHosts } from '../model/redis-topology.js';
import type { Transport } from '../transport/types.js';
import type { DrillResult, Evidence, Measurement, RedisWritesReport } from '../engine/events.js';
import { listeningCommand } from './commands.js';
import { clientEntry } from './connect.js';
import {
  describeError,
  drillClock,
  drillExitCode,
  DrillError,
  measurement,
  stopIfInterrupted,
  withHosts,
  type DrillContext,
} from './drill-common.js';
import { gatherEvidence } from './evidence.js';
import { IPVS_SUPPORT_COMMAND, NO_IPVS, parseIpvsSupport } from './ipvs-support.js';
import { listensOn, parseSsListening } from './listening.js';
import { POLL_INTERVAL_MS, pollUntil } from './poll.js';
import { decideRedisReplica, readRoles, type Roles } from './redis-checks.js';
import { hostHoldsPassword } from './redis-evidence.js';
import { parseReplication, redisCliCommand, replicationCommand } from './redis-info.js';
import { lostWrites, startWriter, type WriteAttempt, type WriteRoute } from './redis-writes.js';
import { initCommand, initCommandByHand, REDIS_SERVICE_NAME_COMMAND } from './service-control.js';

/**
 * Sentinel's own steps after down-after-milliseconds: agreeing the primary is down (it asks the
 * other Sentinels once a second), electing a leader (up to a second of random desync), seeing the
 * promotion through INFO (once a second), and the other Sentinels learning it from hellos (every
 * 2 s), which a client asking any Sentinel may meet.
 */
export const SENTINEL_FAILOVER_MS = 5000;

/** Beyond the expected window, how long the drill keeps writing before it calls the outage unended. */
const GIVE_UP_AFTER_MS = 20_000;

/** Without Sentinel: how long the drill shows writes failing before it starts Redis again. */
const NO_SENTINEL_WATCH_MS = 10_000;

/** Acknowledged writes before the stop and after the failover: about a second's worth each. */
const WRITES_AROUND_THE_STOP = 10;

function acknowledged(attempts: readonly WriteAttempt[]): number {
  return attempts.filter((attempt) => attempt.acknowledged).length;
}

/** How long the old primary may take to serve again (and, with Sentinel, rejoin as a replica). */
const REJOIN_TIMEOUT_MS = 60_000;

/**
 * From the stop until writes succeed on a new primary: Sentinel's down-after and failover, then,
 * through the VIP, keepalived's role check finding the new primary (its next delay_loop, allowed
 * connect_timeout), plus 2 s for the client's reconnects. Undefined without Sentinel.
 */
export function expectedOutageMs(inventory: Inventory, viaVip: boolean): number | undefined {
  const sentinel = inventory.redis.sentinel;
  if (sentinel === undefined) return undefined;
  const { delay_loop, check } = inventory.service;
  const keepalived = viaVip ? (delay_loop + check.connect_timeout) * 1000 : 0;
  return sentinel.down_after_ms + SENTINEL_FAILOVER_MS + keepalived + 2000;
}

/** drill redis-primary touches every real server: a --limit must select them all. */
export function checkRedisPrimaryLimit(
  inventory: Inventory,
  selected: ReadonlySet<string> | undefined,
): void {
  const missing = inventory.real_servers.filter(
    (server) => selected !== undefined && !selected.has(server.name),
  );
  if (missing.length > 0) {
    throw new DrillError(
      `drill redis-primary needs every real server (the primary is stopped, a replica takes over), and --limit leaves out ${missing
        .map((server) => server.name)
        .join(', ')}; add them to --limit (e.g. --limit real_servers) or leave --limit out`,
      ExitCode.Usage,
    );
  }
}

async function readAllRoles(
  inventory: Inventory,
  servers: RealServer[],
  transports: Map<string, Transport>,
): Promise<{ roles: Roles; evidence: Map<string, Evidence> }> {
  const evidence = new Map(
    await Promise.all(
      servers.map(async (server) => {
        const read = await gatherEvidence(transports.get(server.name)!, {
          replication: replicationCommand(server.host, inventory.service.port, hostHoldsPassword(inventory)),
        });
        return [server.name, read.replication] as const;
      }),
    ),
  );
  return {
    roles: readRoles(servers.map((server) => ({ server, replication: evidence.get(server.name) }))),
    evidence,
  };
}

async function listens(transport: Transport, address: string, port: number): Promise<boolean> {
  const result = await transport.exec(listeningCommand(port));
  return result.code === 0 && listensOn(parseSsListening(result.stdout), address, port);
}

/** Whether every director carries the VIP's traffic (IPVS): else the VIP's data path is not provable. */
async function vipCarriesTraffic(inventory: Inventory, transports: Map<string, Transport>): Promise<boolean> {
  const states = await Promise.all(
    inventory.directors.map(async (director) => {
      const read = await gatherEvidence(transports.get(director.name)!, { ipvs: IPVS_SUPPORT_COMMAND });
      return parseIpvsSupport(read.ipvs.output);
    }),
  );
  return states.every((state) => state === 'present');
}

export async function redisPrimaryDrill(
  context: DrillContext,
  redisPassword: string | undefined,
): Promise<DrillResult> {
  const { inventory, emit, guard } = context;
  if (!hasPrimary(inventory)) {
    throw new DrillError(
      'drill redis-primary needs redis.topology: primary-replica (with independent servers there is no primary to lose)',
      ExitCode.Usage,
    );
  }
  const client = clientEntry(inventory);
  if (!client) {
    throw new DrillError(
      'drill redis-primary writes from the verify client, and the inventory names none',
      ExitCode.InvalidInventory,
      'add `verify: { client: <address> }` to the inventory (a host that is neither director nor real server)',
    );
  }
  const passwordSet = inventory.redis.password !== undefined && inventory.redis.manage;
  if (passwordSet && redisPassword === undefined) {
    const source = inventory.redis.password;
    throw new DrillError(
      'drill redis-primary writes with the Redis password, which is not at hand; nothing was changed',
      ExitCode.Usage,
      source && 'env' in source
        ? `set ${source.env} (read -rs ${source.env} && export ${source.env})`
        : undefined,
    );
  }
  const port = inventory.service.port;
  const servers = inventory.real_servers;
  const hosts = [...servers, ...inventory.directors, client];
  const locked = new Set(servers.map((server) => server.name));
  return withHosts(context, hosts, locked, 'lbprov drill redis-primary', async (transports) => {
    const clock = drillClock();
    const before = await readAllRoles(inventory, servers, transports);
    const primary = servers.find((server) => server.name === before.roles.primary?.name);
    const notReady = primary
      ? before.roles.replicas
          .map((replica) =>
            decideRedisReplica(replica, before.evidence.get(replica.name)!, before.roles, port),
          )
          .filter((check) => check.verdict !== 'pass')
          .map((check) => check.detail)
      : ['no single real server reports role:master'];
    if (!primary || notReady.length > 0) {
      throw new DrillError(
        `the cluster is not ready for the drill: ${notReady.join('; ')}; nothing was changed`,
        ExitCode.Drifted,
        'run `lbprov verify`, fix what it reports, then drill again',
      );
    }
    const onPrimary = transports.get(primary.name)!;
    const named = await gatherEvidence(onPrimary, { service: REDIS_SERVICE_NAME_COMMAND });
    if (named.service.exit_code !== 0)
      throw new DrillError(`${primary.name}: ${named.service.output}`, ExitCode.Failed);
    const service = named.service.output.trim();

    const viaVip = await vipCarriesTraffic(inventory, transports);
    const sentinel = inventory.redis.sentinel !== undefined;
    const route: WriteRoute = viaVip
      ? { via: 'vip', address: inventory.vrrp.vip.address }
      : sentinel
        ? { via: 'sentinel', sentinels: sentinelHosts(inventory).map((host) => host.host) }
        : { via: 'primary', address: primary.host };
    const expected = expectedOutageMs(inventory, viaVip);
    const notProvable = viaVip
      ? []
      : [`writes through the VIP ${inventory.vrrp.vip.address}:${port}: ${NO_IPVS}`];
    const whereTo = {
      vip: `through the VIP ${inventory.vrrp.vip.address}:${port}`,
      sentinel: 'to the primary Sentinel names at each attempt (as a Sentinel-aware client does)',
      primary: `to ${primary.name} (${primary.host}:${port}) itself`,
    }[route.via];
    emit({
      type: 'drill',
      drill: 'redis-primary',
      plan:
        `write numbered values from ${client.name} ${whereTo}, stop Redis (${service}) on the primary ${primary.name}, ` +
        (expected === undefined
          ? `watch writes fail for ${NO_SENTINEL_WATCH_MS / 1000} s (without Sentinel no replica is promoted: they fail until Redis is back), `
          : `time until writes succeed on a new primary (expected within ${expected} ms), `) +
        'count acknowledged writes lost, then start Redis on it again',
    });
    if (!viaVip) {
      emit({
        type: 'not_provable',
        host: client.name,
        what: `writes through the VIP ${inventory.vrrp.vip.address}:${port}`,
        reason: NO_IPVS,
      });
    }

    const key = `lbprov:drill:redis-primary:${Date.now()}`;
    const byHand = `start Redis on ${primary.name}: ${initCommandByHand(service, 'start')}`;
    guard.restoreByHand(byHand);
    stopIfInterrupted(guard);
    const problems: string[] = [];
    const measurements: Measurement[] = [];
    // When the stop was sent (failures count from there), and when it returned (Redis gone).
    let stopSent: number | undefined;
    let stoppedAt: number | undefined;
    let resumed: WriteAttempt | undefined;
    let firstFailure: WriteAttempt | undefined;
    const writer = await startWriter({
      client: { name: client.name, transport: transports.get(client.name)! },
      key,
      port,
      route,
      password: passwordSet ? redisPassword : undefined,
      clock,
      maxSeconds: ((expected ?? NO_SENTINEL_WATCH_MS) + GIVE_UP_AFTER_MS + REJOIN_TIMEOUT_MS) / 1000 + 60,
      onAttempt: (attempt) => {
        if (stopSent === undefined) return;
        if (!attempt.acknowledged && !firstFailure) {
          firstFailure = attempt;
          emit({
            type: 'observed',
            host: client.name,
            what: `write #${attempt.n} failed: ${attempt.reply}`,
            at_ms: attempt.at_ms,
          });
        }
        // Through the VIP the address is the VIP's; elsewhere an acknowledgement from the old primary
        // (read after the stop returned) is not a new primary taking writes.
        if (
          stoppedAt !== undefined &&
          attempt.acknowledged &&
          !resumed &&
          (route.via === 'vip' || attempt.address !== primary.host)
        ) {
          resumed = attempt;
          emit({
            type: 'observed',
            host: client.name,
            what: `write #${attempt.n} acknowledged again (by ${attempt.address})`,
            at_ms: attempt.at_ms,
          });
        }
      },
    });
    let newPrimary: RealServer | undefined;
    // Nothing stopped, nothing to restore.
    let restored = true;
    let readBack: string | undefined;
    try {
      try {
        // The writer is seen working, a second's writes acknowledged, before anything is stopped.
        const working = await pollUntil(async () => acknowledged(writer.attempts), {
          clock,
          timeoutMs: 10_000,
          signal: guard.signal,
          done: (count) => count >= WRITES_AROUND_THE_STOP,
        });
        if (!working.reached) {
          const last = writer.attempts.at(-1);
          throw new DrillError(
            `the client's writes are not acknowledged before the drill (${last ? last.reply : 'no write was made'}); nothing was stopped`,
            ExitCode.Drifted,
            'run `lbprov verify`, fix what it reports, then drill again',
          );
        }
        stopIfInterrupted(guard);
        const stop = initCommand(service, 'stop');
        const at = clock();
        stopSent = at;
        emit({ type: 'action', host: primary.name, action: 'stop Redis', command: stop, at_ms: at });
        // Writes still acknowledged while the stop runs are the old primary's: they do not count as resumed.
        const stopped = await onPrimary.exec(stop);
        stoppedAt = clock();
        if (stopped.code !== 0)
          problems.push(
            `stopping Redis on ${primary.name} failed (exit ${stopped.code}): ${(stopped.stdout + stopped.stderr).trim()}`,
          );
        if (await listens(onPrimary, primary.host, port))
          problems.push(`Redis on ${primary.name} still listens after its init script's stop`);
        else emit({ type: 'observed', host: primary.name, what: 'Redis no longer listens', at_ms: clock() });

        if (expected === undefined) {
          await pollUntil(async () => resumed, {
            clock,
            timeoutMs: NO_SENTINEL_WATCH_MS,
            signal: guard.signal,
            done: (seen) => seen !== undefined,
          });
          if (resumed)
            problems.push(
              `write #${resumed.n} was acknowledged by ${resumed.address} while ${primary.name} was stopped and no Sentinel promotes a replica: something else takes writes`,
            );
        } else {
          const waited = await pollUntil(async () => resumed, {
            clock,
            timeoutMs: expected + GIVE_UP_AFTER_MS,
            signal: guard.signal,
            done: (seen) => seen !== undefined,
          });
          measurements.push(
            measurement(
              `writes ${whereTo} fail after ${primary.name}'s Redis stops, until a new primary acknowledges one`,
              waited.reached && resumed ? resumed.at_ms - at : undefined,
              expected,
            ),
          );
          if (!resumed && !guard.interrupted) {
            problems.push(
              `no write was acknowledged within ${(expected + GIVE_UP_AFTER_MS) / 1000} s of the stop: no replica was promoted (check the Sentinels: \`lbprov verify\`)`,
            );
          }
          if (resumed) {
            const after = await readAllRoles(
              inventory,
              servers.filter((server) => server !== primary),
              transports,
            );
            newPrimary = servers.find((server) => server.name === after.roles.primary?.name);
            if (newPrimary)
              emit({
                type: 'observed',
                host: newPrimary.name,
                what: 'is the primary now (role:master)',
                at_ms: clock(),
              });
            else
              problems.push(
                'writes are acknowledged again, but no single remaining real server reports role:master',
              );
          }
        }
      } catch (error) {
        if (error instanceof DrillError && stopSent === undefined) throw error;
        problems.push(`while Redis on ${primary.name} was stopped: ${describeError(error)}`);
      }
      // As many writes on the new primary, then the writes end before the list is read back there
      // (before the old primary rejoins): one acknowledged after the read would count as lost.
      if (newPrimary) {
        const target = acknowledged(writer.attempts) + WRITES_AROUND_THE_STOP;
        await pollUntil(async () => acknowledged(writer.attempts), {
          clock,
          timeoutMs: 10_000,
          signal: guard.signal,
          done: (count) => count >= target,
        });
      }
      await writer.finish();
      if (newPrimary) readBack = await readList(inventory, transports.get(newPrimary.name)!, newPrimary, key);
    } finally {
      if (stopSent !== undefined) {
        ({ restored } = await restore(context, {
          primary,
          onPrimary,
          service,
          newPrimary,
          clock,
          problems,
          byHand,
        }));
        if (!newPrimary) readBack = await readList(inventory, onPrimary, primary, key).catch(() => undefined);
      }
      const writerTrouble = await writer.finish();
      if (writerTrouble && stopSent !== undefined)
        problems.push(`the client's writer ended with: ${writerTrouble}`);
    }
    const holder = newPrimary ?? primary;
    await transports
      .get(holder.name)!
      .exec(redisCliCommand(holder.host, port, ['DEL', key], hostHoldsPassword(inventory)))
      .catch(() => undefined);

    const attempts = writer.attempts;
    const lost = readBack === undefined ? null : lostWrites(attempts, readBack);
    if (lost === null)
      problems.push(
        `the written list could not be read back on ${holder.name}, so lost writes are not counted`,
      );
    else if (lost.length > 0)
      problems.push(
        `${lost.length} acknowledged write(s) are missing on ${holder.name}: they were lost in the failover`,
      );
    const writes: RedisWritesReport = {
      via: route.via,
      old_primary: primary.name,
      ...(newPrimary ? { new_primary: newPrimary.name } : {}),
      attempts: attempts.length,
      acknowledged: acknowledged(attempts),
      failed: attempts.filter((attempt) => !attempt.acknowledged).length,
      lost: lost === null ? null : lost.length,
      ...(lost && lost.length > 0 ? { lost_numbers: lost.slice(0, 20) } : {}),
      ...(firstFailure ? { first_failure_at_ms: firstFailure.at_ms } : {}),
      ...(resumed ? { resumed_at_ms: resumed.at_ms } : {}),
    };
    const result = {
      drill: 'redis-primary' as const,
      measurements,
      not_provable: notProvable,
      problems,
      restored,
      interrupted: guard.interrupted,
      redis_writes: writes,
      poll_interval_ms: POLL_INTERVAL_MS,
    };
    return { type: 'result', ...result, exit_code: drillExitCode(result) };
  });
}

async function readList(
  inventory: Inventory,
  transport: Transport,
  server: RealServer,
  key: string,
): Promise<string | undefined> {
  const read = await transport.exec(
    redisCliCommand(
      server.host,
      inventory.service.port,
      ['LRANGE', key, '0', '-1'],
      hostHoldsPassword(inventory),
    ),
  );
  return read.code === 0 && !/^(NOAUTH|WRONGPASS|ERR|Could not connect)/m.test(read.stdout)
    ? read.stdout
    : undefined;
}

/**
 * Starts Redis on the old primary and waits until it serves again: with Sentinel, as a replica of
 * the new primary, link up (Sentinel reconfigures it); without, as the primary it was.
 */
async function restore(
  context: DrillContext,
  opts: {
    primary: RealServer;
    onPrimary: Transport;
    service: string;
    newPrimary: RealServer | undefined;
    clock(): number;
    problems: string[];
    byHand: string;
  },
): Promise<{ restored: boolean }> {
  const { inventory, emit } = context;
  const { primary, onPrimary, clock, problems } = opts;
  const port = inventory.service.port;
  try {
    const start = initCommand(opts.service, 'start');
    emit({ type: 'action', host: primary.name, action: 'start Redis', command: start, at_ms: clock() });
    const started = await onPrimary.exec(start);
    if (started.code !== 0)
      problems.push(
        `starting Redis on ${primary.name} failed (exit ${started.code}): ${(started.stdout + started.stderr).trim()}`,
      );
    // Restoring is not cut short by Ctrl-C: only a second one leaves without it.
    const rejoined = await pollUntil(
      async () => {
        const read = await onPrimary.exec(
          replicationCommand(primary.host, port, hostHoldsPassword(inventory)),
        );
        return parseReplication(read.stdout);
      },
      {
        clock,
        timeoutMs: REJOIN_TIMEOUT_MS,
        signal: new AbortController().signal,
        done: (info) =>
          opts.newPrimary
            ? info.role === 'slave' &&
              info.masterHost === opts.newPrimary.host &&
              info.linkUp &&
              !info.syncing
            : info.role === 'master',
      },
    );
    const last = rejoined.samples.at(-1);
    if (rejoined.reached && last) {
      emit({
        type: 'observed',
        host: primary.name,
        what: opts.newPrimary
          ? `Redis serves again, as a replica of ${opts.newPrimary.name} (link up)`
          : 'Redis serves again, as the primary',
        at_ms: last.at_ms,
      });
      return { restored: true };
    }
    problems.push(
      `Redis on ${primary.name} did not ${opts.newPrimary ? `rejoin as a replica of ${opts.newPrimary.name}` : 'serve as the primary again'} ` +
        `within ${REJOIN_TIMEOUT_MS / 1000} s (last INFO: ${last ? JSON.stringify(last.value) : 'none'}): check it (${opts.byHand}), then run \`lbprov verify\``,
    );
  } catch (error) {
    problems.push(
      `restoring failed: ${describeError(error)}; by hand: ${opts.byHand}, then run \`lbprov verify\``,
    );
  }
  return { restored: false };
}
