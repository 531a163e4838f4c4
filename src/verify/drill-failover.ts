/**
 * `lbprov drill failover`: stop keepalived on the MASTER (TERM, through its init system), time the
 * VIP moving to the BACKUP, start it again and time the preemption back. Whatever happens in
 * between (a failure, Ctrl-C), keepalived on the MASTER is started again before the drill ends.
 */
import { ExitCode } from '../util/exit-codes.js';
import type { Director } from '../model/inventory.js';
import { ADDRESSES_COMMAND, KEEPALIVED_PROCESSES_COMMAND } from './commands.js';
import { decideKeepalivedRunning } from './decide.js';
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
import type { DrillResult, Measurement } from '../engine/events.js';
import { gatherEvidence } from './evidence.js';
import { findAddress, parseIpAddr } from './ip-addr.js';
import { POLL_INTERVAL_MS, pollUntil, vipHolders, type WatchedHost } from './poll.js';
import { initCommand, initCommandByHand } from './service-control.js';
import { firstSeen, takeoverBoundMs, takesOverOneAdvertLate, type Sample } from './timing.js';

/** Beyond keepalived's own bound, how long a drill waits before it calls a transition missing. */
const GIVE_UP_AFTER_MS = 20_000;

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
  const { inventory, emit, guard } = context;
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
    const clock = drillClock();
    const onMaster: WatchedHost = { name: master.name, transport: transports.get(master.name)! };
    const onBackup: WatchedHost = { name: backup.name, transport: transports.get(backup.name)! };
    const watched = [onMaster, onBackup];
    await checkStartingPoint(vip, onMaster, onBackup);

    const problems: string[] = [];
    const measurements: Measurement[] = [];
    let previous = new Set([master.name]);
    const report = (sample: Sample<Set<string>>): void => {
      for (const host of watched) {
        const now = sample.value.has(host.name);
        if (now !== previous.has(host.name)) {
          emit({
            type: 'observed',
            host: host.name,
            what: now ? `holds ${vip}` : `no longer holds ${vip}`,
            at_ms: sample.at_ms,
          });
        }
      }
      previous = sample.value;
    };
    const act = (verb: 'start' | 'stop') => {
      const command = initCommand('keepalived', verb);
      const at = clock();
      emit({ type: 'action', host: master.name, action: `${verb} keepalived`, command, at_ms: at });
      return { at, done: onMaster.transport.exec(command) };
    };
    const since = (at: number, samples: Sample<Set<string>>[], holds: (holders: Set<string>) => boolean) => {
      const seen = firstSeen(samples, holds);
      return seen === undefined ? undefined : seen - at;
    };

    guard.restoreByHand(`start keepalived on ${master.name}: ${initCommandByHand('keepalived', 'start')}`);
    stopIfInterrupted(guard);
    const stop = act('stop');
    try {
      const moved = await pollUntil(() => vipHolders(watched, vip), {
        clock,
        timeoutMs: expectedTakeover + GIVE_UP_AFTER_MS,
        signal: guard.signal,
        done: (holders) => holders.has(backup.name) && !holders.has(master.name),
        onSample: report,
      });
      measurements.push(
        measurement(
          `${backup.name} (BACKUP) holds the VIP after the stop`,
          since(stop.at, moved.samples, (holders) => holders.has(backup.name)),
          expectedTakeover,
        ),
        measurement(
          `${master.name} (MASTER) no longer holds the VIP after the stop`,
          since(stop.at, moved.samples, (holders) => !holders.has(master.name)),
          expectedTakeover,
        ),
      );
      const stopped = await stop.done;
      if (stopped.code !== 0) {
        problems.push(
          `stopping keepalived on ${master.name} failed (exit ${stopped.code}): ${(stopped.stdout + stopped.stderr).trim()}`,
        );
      }
    } catch (error) {
      problems.push(`while keepalived on ${master.name} was stopped: ${describeError(error)}`);
    }

    // Restoring is not cut short by Ctrl-C: only a second one leaves without it.
    const restoring = new AbortController().signal;
    let restored = false;
    try {
      const start = act('start');
      const back = await pollUntil(() => vipHolders(watched, vip), {
        clock,
        timeoutMs: expectedPreemption + GIVE_UP_AFTER_MS,
        signal: restoring,
        done: (holders) => holders.has(master.name) && !holders.has(backup.name),
        onSample: report,
      });
      const started = await start.done;
      if (started.code !== 0) {
        problems.push(
          `starting keepalived on ${master.name} failed (exit ${started.code}): ${(started.stdout + started.stderr).trim()}`,
        );
      }
      measurements.push(
        measurement(
          `${master.name} (MASTER) holds the VIP again after the start (preemption)`,
          since(start.at, back.samples, (holders) => holders.has(master.name)),
          expectedPreemption,
        ),
        measurement(
          `${backup.name} (BACKUP) gives the VIP up after the start`,
          since(start.at, back.samples, (holders) => !holders.has(backup.name)),
          expectedPreemption,
        ),
      );
      const running = await gatherEvidence(onMaster.transport, { keepalived: KEEPALIVED_PROCESSES_COMMAND });
      restored = back.reached && decideKeepalivedRunning(master.name, running.keepalived).verdict === 'pass';
      if (!restored) {
        problems.push(
          `the VIP did not return to ${master.name} alone, or keepalived is not running there: ` +
            `start keepalived on ${master.name} (${initCommandByHand('keepalived', 'start')}) and run \`lbprov verify\``,
        );
      }
    } catch (error) {
      problems.push(
        `restoring failed: ${describeError(error)}; by hand: start keepalived on ${master.name} ` +
          `(${initCommandByHand('keepalived', 'start')}), then run \`lbprov verify\``,
      );
    }
    const result = {
      drill: 'failover' as const,
      measurements,
      not_provable: [],
      problems,
      restored,
      interrupted: guard.interrupted,
      poll_interval_ms: POLL_INTERVAL_MS,
    };
    return { type: 'result', ...result, exit_code: drillExitCode(result) };
  });
}
