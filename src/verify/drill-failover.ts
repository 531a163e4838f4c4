/**
 * `lbprov drill failover`: stop keepalived on the MASTER (TERM, through its init system), time the
 * VIP moving to the BACKUP, start it again and time the preemption back (after vrrp.preempt_delay).
 * With vrrp.preempt false the VIP stays where it went: the drill stops whichever director holds
 * it, and checks that it stays on the other one after the restart. Whatever happens in between
 * (a failure, Ctrl-C), keepalived on the stopped director is started again before the drill ends.
 */
import { ExitCode } from '../util/exit-codes.js';
import type { Director, Inventory } from '../model/inventory.js';
import { ADDRESSES_COMMAND, KEEPALIVED_PROCESSES_COMMAND } from './commands.js';
import { decideKeepalivedRunning } from './decide.js';
import { clientEntry, NO_CLIENT } from './connect.js';
import { drillClock, drillExitCode, DrillError, withHosts, type DrillContext } from './drill-common.js';
import { stopAndStart } from './drill-plan.js';
import type { DrillResult, HeldConnectionReport } from '../engine/events.js';
import { gatherEvidence } from './evidence.js';
import { holdConnection } from './held-connection.js';
import { findAddress, parseIpAddr } from './ip-addr.js';
import { IPVS_SUPPORT_COMMAND, NO_IPVS, parseIpvsSupport } from './ipvs-support.js';
import { vipHolders, type WatchedHost } from './poll.js';
import { SYNC_WAIT_MS, waitForSync } from './sync-wait.js';
import { initCommandByHand } from './service-control.js';
import { returnExpectation, takeoverBoundMs, takesOverOneAdvertLate } from './timing.js';

function roles(directors: Director[]): { master: Director; backup: Director } {
  const master = directors.find((director) => director.state === 'MASTER');
  const backup = directors.find((director) => director.state === 'BACKUP');
  if (!master || !backup) {
    throw new DrillError('the inventory needs one MASTER and one BACKUP director', ExitCode.InvalidInventory);
  }
  return { master, backup };
}

/**
 * The drill starts only from a healthy pair: keepalived running on both, the VIP on the MASTER
 * alone, or on either alone without preemption (it stays where a failover put it). Returns its holder.
 */
async function checkStartingPoint(
  vip: string,
  master: WatchedHost,
  backup: WatchedHost,
  preempt: boolean,
): Promise<string> {
  const hint = 'run `lbprov verify`, fix what it reports, then drill again';
  const states = await Promise.all(
    [master, backup].map(async (host) => {
      const evidence = await gatherEvidence(host.transport, {
        addresses: ADDRESSES_COMMAND,
        keepalived: KEEPALIVED_PROCESSES_COMMAND,
      });
      return {
        name: host.name,
        running: decideKeepalivedRunning(host.name, evidence.keepalived).verdict === 'pass',
        holdsVip: findAddress(parseIpAddr(evidence.addresses.output), vip).length > 0,
      };
    }),
  );
  const stopped = states.find((state) => !state.running);
  if (stopped) {
    throw new DrillError(
      `keepalived is not running on ${stopped.name}, so the drill cannot show a failover; nothing was changed`,
      ExitCode.Drifted,
      hint,
    );
  }
  const holders = states.filter((state) => state.holdsVip).map((state) => state.name);
  const [holder] = holders;
  if (holders.length !== 1 || holder === undefined || (preempt && holder !== master.name)) {
    const expected = preempt ? `on the MASTER ${master.name} only` : 'on one director';
    throw new DrillError(
      `the drill starts with ${vip} ${expected}, but it is on ${holders.join(' and ') || 'no director'}; nothing was changed`,
      ExitCode.Drifted,
      hint,
    );
  }
  return holder;
}

export async function failoverDrill(context: DrillContext): Promise<DrillResult> {
  const { inventory, emit } = context;
  const { master, backup } = roles(inventory.directors);
  const { vrrp } = inventory;
  const vip = vrrp.vip.address;
  const version = inventory.keepalived.version;
  const takeover = (director: Director) => takeoverBoundMs(vrrp.advert_int, director.priority, version);
  const late = takesOverOneAdvertLate(version)
    ? ` + advert_int (keepalived ${version} becomes MASTER one advert later)`
    : '';
  const expectedReturn = returnExpectation(vrrp, master.priority, version);
  const returning = expectedReturn.returns
    ? `start it again and time the preemption` +
      (vrrp.preempt_delay > 0 ? ` (not before vrrp.preempt_delay ${vrrp.preempt_delay} s)` : '') +
      `; expected within 3 x advert_int + skew${late}: ${takeover(backup)} ms (${backup.name}, priority ${backup.priority}) and ` +
      `${vrrp.preempt_delay > 0 ? `${vrrp.preempt_delay * 1000} ms + ` : ''}${takeover(master)} ms (${master.name}, priority ${master.priority})`
    : `start it again and check that the VIP stays (vrrp.preempt: false, nopreempt: no return); the takeover expected ` +
      `within 3 x advert_int + skew${late}: ${takeover(backup)} ms (${backup.name} taking over, priority ${backup.priority}) or ` +
      `${takeover(master)} ms (${master.name}, priority ${master.priority})`;
  emit({
    type: 'drill',
    drill: 'failover',
    plan:
      `stop keepalived on ${expectedReturn.returns ? `the MASTER ${master.name}` : 'the director holding the VIP'} ` +
      `(TERM, through its init system), time ${vip} moving to the ` +
      `${expectedReturn.returns ? `BACKUP ${backup.name}` : 'other one'}, ${returning}`,
  });
  const names = new Set([master.name, backup.name]);
  const client = clientEntry(inventory);
  const hosts = [master, backup, ...(client ? [client] : [])];
  return withHosts(context, hosts, names, 'lbprov drill failover', async (transports) => {
    const onMaster: WatchedHost = { name: master.name, transport: transports.get(master.name)! };
    const onBackup: WatchedHost = { name: backup.name, transport: transports.get(backup.name)! };
    const clock = drillClock();
    const holder = await checkStartingPoint(vip, onMaster, onBackup, vrrp.preempt);
    const onHolder = holder === master.name ? onMaster : onBackup;
    const held = await holdThroughVip(context, {
      client: client && { name: client.name, transport: transports.get(client.name)! },
      holder: onHolder,
      taker: holder === master.name ? onBackup : onMaster,
      clock,
      maxSeconds: (takeover(backup) + takeover(master) + expectedReturn.boundMs + SYNC_WAIT_MS) / 1000 + 60,
    });
    // Without preemption the VIP may be on the BACKUP: the drill fails it over from there.
    const [stopped, taker] = holder === master.name ? [master, backup] : [backup, master];
    const onStopped = holder === master.name ? onMaster : onBackup;
    const back = returnExpectation(vrrp, stopped.priority, version);
    const startByHand = initCommandByHand('keepalived', 'start');
    let vipOn = new Set([holder]);
    const result = await stopAndStart(context, {
      drill: 'failover',
      host: onStopped,
      service: 'keepalived',
      label: 'keepalived',
      clock,
      watched: [master.name, backup.name],
      showingBefore: [holder],
      show: async () => (vipOn = await vipHolders([onMaster, onBackup], vip)),
      observed: (_host, holds) => (holds ? `holds ${vip}` : `no longer holds ${vip}`),
      stop: {
        done: (holders) => holders.has(taker.name) && !holders.has(stopped.name),
        boundMs: takeover(taker),
        timed: [
          {
            what: `${taker.name} (${taker.state}) holds the VIP after the stop`,
            holds: (holders) => holders.has(taker.name),
            expectedMs: takeover(taker),
          },
          {
            what: `${stopped.name} (${stopped.state}) no longer holds the VIP after the stop`,
            holds: (holders) => !holders.has(stopped.name),
            expectedMs: takeover(taker),
          },
        ],
      },
      start: back.returns
        ? {
            done: (holders) => holders.has(stopped.name) && !holders.has(taker.name),
            boundMs: back.boundMs,
            timed: [
              {
                what: `${stopped.name} (${stopped.state}) holds the VIP again after the start (preemption${vrrp.preempt_delay > 0 ? ` after preempt_delay ${vrrp.preempt_delay} s` : ''})`,
                holds: (holders) => holders.has(stopped.name),
                expectedMs: back.boundMs,
                ...(back.earliestMs > 0 ? { earliestMs: back.earliestMs } : {}),
              },
              {
                what: `${taker.name} (${taker.state}) gives the VIP up after the start`,
                holds: (holders) => !holders.has(taker.name),
                expectedMs: back.boundMs,
                ...(back.earliestMs > 0 ? { earliestMs: back.earliestMs } : {}),
              },
            ],
          }
        : {
            done: (holders) => holders.has(taker.name) && !holders.has(stopped.name),
            boundMs: back.boundMs,
            timed: [],
            kept: (holders, afterMs) =>
              `${vip} was on ${[...holders].join(' and ') || 'no director'} ${(afterMs / 1000).toFixed(1)} s after keepalived started on ` +
              `${stopped.name}, not on ${taker.name} alone: with vrrp.preempt: false (nopreempt) it stays where the failover put it; ` +
              `check that keepalived.conf on both directors has \`state BACKUP\` and \`nopreempt\` (\`lbprov apply\` writes them)`,
          },
      confirmRestored: async () => {
        const running = await gatherEvidence(onStopped.transport, {
          keepalived: KEEPALIVED_PROCESSES_COMMAND,
        });
        return decideKeepalivedRunning(stopped.name, running.keepalived).verdict === 'pass';
      },
      notRestored: () =>
        back.returns
          ? `the VIP did not return to ${stopped.name} alone, or keepalived is not running there: ` +
            `start keepalived on ${stopped.name} (${startByHand}) and run \`lbprov verify\``
          : `keepalived is not running on ${stopped.name}: start it (${startByHand}) and run \`lbprov verify\``,
      not_provable: held.notProvable,
    });
    const connection = await held.finish();
    const problems = [...result.problems, ...heldConnectionProblems(inventory, connection)];
    const finished = {
      ...result,
      problems,
      vip_on: [...vipOn].sort(),
      ...(connection ? { held_connection: connection } : {}),
    };
    return { ...finished, exit_code: drillExitCode(finished) };
  });
}

interface HeldThroughVip {
  notProvable: string[];
  finish(): Promise<HeldConnectionReport | undefined>;
}

/**
 * The connection is opened before anything is stopped and closed after the restore, so it lives
 * through the takeover and the return. With connection sync on, the stop waits until the director
 * that takes over lists it, as it would list any connection older than the sync delay. Where it
 * cannot show anything (no client, no IPVS to carry it) the drill says so rather than report a
 * connection that was never held.
 */
async function holdThroughVip(
  context: DrillContext,
  opts: {
    client: WatchedHost | undefined;
    holder: WatchedHost;
    taker: WatchedHost;
    clock(): number;
    maxSeconds: number;
  },
): Promise<HeldThroughVip> {
  const what = 'a Redis connection held through the VIP across the failover';
  const nothing = (reason: string): HeldThroughVip => {
    context.emit({ type: 'not_provable', host: opts.client?.name ?? opts.holder.name, what, reason });
    return { notProvable: [`${what}: ${reason}`], finish: async () => undefined };
  };
  const { client } = opts;
  if (!client) return nothing(NO_CLIENT);
  const support = await gatherEvidence(opts.holder.transport, { ipvs: IPVS_SUPPORT_COMMAND });
  if (parseIpvsSupport(support.ipvs.output) !== 'present') return nothing(NO_IPVS);
  const { inventory } = context;
  const connection = await holdConnection({
    client,
    vip: inventory.vrrp.vip.address,
    port: inventory.service.port,
    clock: opts.clock,
    maxSeconds: opts.maxSeconds,
    onEvent: (observed, atMs) =>
      context.emit({ type: 'observed', host: client.name, what: observed, at_ms: atMs }),
  });
  const synced = inventory.service.connection_sync
    ? await waitForSync(context, { taker: opts.taker, connection, clock: opts.clock })
    : undefined;
  return {
    notProvable: [],
    finish: async () => {
      const report = await connection.finish();
      return synced === undefined || report.outcome === 'not opened'
        ? report
        : { ...report, synced_after_ms: synced };
    },
  };
}

/** A reset is what connection sync exists to prevent; without it, it is what the drill shows. */
function heldConnectionProblems(
  inventory: Inventory,
  connection: HeldConnectionReport | undefined,
): string[] {
  if (connection === undefined) return [];
  if (connection.outcome === 'not opened') {
    return [
      `the verify client could not open a Redis connection through the VIP (${connection.detail}): run \`lbprov verify\``,
    ];
  }
  if (connection.outcome === 'reset' && inventory.service.connection_sync) {
    return [
      `the Redis connection held through the VIP was reset ${connection.resets} time(s) although service.connection_sync is on: ` +
        'check that the sync daemons run (`ipvsadm -L --daemon` on both directors) and that UDP 8848 to 224.0.0.81 passes between them',
    ];
  }
  return [];
}
