/**
 * `lbprov drill failover`: stop keepalived on the MASTER (TERM, through its init system), time the
 * VIP moving to the BACKUP, start it again and time the preemption back. Whatever happens in
 * between (a failure, Ctrl-C), keepalived on the MASTER is started again before the drill ends.
 */
import { ExitCode } from '../util/exit-codes.js';
import type { Director } from '../model/inventory.js';
import { ADDRESSES_COMMAND, KEEPALIVED_PROCESSES_COMMAND } from './commands.js';
import { decideKeepalivedRunning } from './decide.js';
import { drillClock, DrillError, withHosts, type DrillContext } from './drill-common.js';
import { stopAndStart } from './drill-plan.js';
import type { DrillResult } from '../engine/events.js';
import { gatherEvidence } from './evidence.js';
import { findAddress, parseIpAddr } from './ip-addr.js';
import { vipHolders, type WatchedHost } from './poll.js';
import { initCommandByHand } from './service-control.js';
import { takeoverBoundMs, takesOverOneAdvertLate } from './timing.js';

function roles(directors: Director[]): { master: Director; backup: Director } {
  const master = directors.find((director) => director.state === 'MASTER');
  const backup = directors.find((director) => director.state === 'BACKUP');
  if (!master || !backup) {
    throw new DrillError('the inventory needs one MASTER and one BACKUP director', ExitCode.InvalidInventory);
  }
  return { master, backup };
}

/** The drill starts only from a healthy pair: VIP on the MASTER alone, keepalived running on both. */
async function checkStartingPoint(vip: string, master: WatchedHost, backup: WatchedHost): Promise<void> {
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
  if (holders.length !== 1 || holders[0] !== master.name) {
    throw new DrillError(
      `the drill starts with ${vip} on the MASTER ${master.name} only, but it is on ${holders.join(' and ') || 'no director'}; nothing was changed`,
      ExitCode.Drifted,
      hint,
    );
  }
}

export async function failoverDrill(context: DrillContext): Promise<DrillResult> {
  const { inventory, emit } = context;
  const { master, backup } = roles(inventory.directors);
  const vip = inventory.vrrp.vip.address;
  const advertInt = inventory.vrrp.advert_int;
  const version = inventory.keepalived.version;
  const expectedTakeover = takeoverBoundMs(advertInt, backup.priority, version);
  const expectedPreemption = takeoverBoundMs(advertInt, master.priority, version);
  emit({
    type: 'drill',
    drill: 'failover',
    plan:
      `stop keepalived on the MASTER ${master.name} (TERM, through its init system), time ${vip} moving to the ` +
      `BACKUP ${backup.name}, start it again and time the preemption; expected within 3 x advert_int + skew` +
      `${takesOverOneAdvertLate(version) ? ` + advert_int (keepalived ${version} becomes MASTER one advert later)` : ''}: ` +
      `${expectedTakeover} ms (${backup.name}, priority ${backup.priority}) and ${expectedPreemption} ms ` +
      `(${master.name}, priority ${master.priority})`,
  });
  const names = new Set([master.name, backup.name]);
  return withHosts(context, [master, backup], names, 'lbprov drill failover', async (transports) => {
    const onMaster: WatchedHost = { name: master.name, transport: transports.get(master.name)! };
    const onBackup: WatchedHost = { name: backup.name, transport: transports.get(backup.name)! };
    const clock = drillClock();
    await checkStartingPoint(vip, onMaster, onBackup);
    const startByHand = initCommandByHand('keepalived', 'start');
    return stopAndStart(context, {
      drill: 'failover',
      host: onMaster,
      service: 'keepalived',
      label: 'keepalived',
      clock,
      watched: [master.name, backup.name],
      showingBefore: [master.name],
      show: () => vipHolders([onMaster, onBackup], vip),
      observed: (_host, holds) => (holds ? `holds ${vip}` : `no longer holds ${vip}`),
      stop: {
        done: (holders) => holders.has(backup.name) && !holders.has(master.name),
        boundMs: expectedTakeover,
        timed: [
          {
            what: `${backup.name} (BACKUP) holds the VIP after the stop`,
            holds: (holders) => holders.has(backup.name),
            expectedMs: expectedTakeover,
          },
          {
            what: `${master.name} (MASTER) no longer holds the VIP after the stop`,
            holds: (holders) => !holders.has(master.name),
            expectedMs: expectedTakeover,
          },
        ],
      },
      start: {
        done: (holders) => holders.has(master.name) && !holders.has(backup.name),
        boundMs: expectedPreemption,
        timed: [
          {
            what: `${master.name} (MASTER) holds the VIP again after the start (preemption)`,
            holds: (holders) => holders.has(master.name),
            expectedMs: expectedPreemption,
          },
          {
            what: `${backup.name} (BACKUP) gives the VIP up after the start`,
            holds: (holders) => !holders.has(backup.name),
            expectedMs: expectedPreemption,
          },
        ],
      },
      confirmRestored: async () => {
        const running = await gatherEvidence(onMaster.transport, {
          keepalived: KEEPALIVED_PROCESSES_COMMAND,
        });
        return decideKeepalivedRunning(master.name, running.keepalived).verdict === 'pass';
      },
      notRestored: () =>
        `the VIP did not return to ${master.name} alone, or keepalived is not running there: ` +
        `start keepalived on ${master.name} (${startByHand}) and run \`lbprov verify\``,
      not_provable: [],
    });
  });
}
