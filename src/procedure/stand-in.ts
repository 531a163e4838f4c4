import { performance } from 'node:perf_hooks';
import { writeFileAtomically } from '../engine/actions.js';
import type { RunJob, StandIn } from '../engine/run.js';
import type { Director, Inventory } from '../model/inventory.js';
import {
  KEEPALIVED_CONF_PATH,
  keepalivedSyntaxFor,
  renderKeepalivedConf,
} from '../render/keepalived-conf.js';
import type { Transport } from '../transport/types.js';
import { shellQuote } from '../util/shell.js';
import { pollUntil, vipHolders, type WatchedHost } from '../verify/poll.js';
import { returnExpectation, takeoverBoundMs } from '../verify/timing.js';
import { KEEPALIVED_PID_FILE } from './vars.js';

/** The one handler that takes the VIP down: a restart (a reload keeps the VIP and the IPVS table). */
const RESTART_HANDLER = 'restart-keepalived';
/** VRRP reserves 255 for the address owner: a BACKUP can be raised at most to this. */
const HIGHEST_BACKUP_PRIORITY = 254;
/** Beyond keepalived's own timers: a reload, a round trip per sample, a loaded machine. */
const SLACK_MS = 3000;

const RELOAD_SCRIPT = [
  `pid=$(cat ${shellQuote(KEEPALIVED_PID_FILE)} 2>/dev/null) && kill -0 "$pid" 2>/dev/null || { echo 'keepalived is not running' >&2; exit 1; }`,
  'kill -HUP "$pid"',
].join('\n');

/**
 * Restarting keepalived on the MASTER (a new binary or new start options) drops the VIP until a
 * BACKUP notices, a skew time or more later. Instead the BACKUP is first raised above the MASTER
 * and reloaded: it takes the VIP by preemption, the MASTER letting go only on hearing it. The
 * MASTER restarts as a BACKUP, the BACKUP's own configuration comes back, and the MASTER takes the
 * VIP back the same way. Clients see the VIP move twice, never vanish.
 */
export function vrrpStandIn(inventory: Inventory, authPass: string) {
  const master = inventory.directors.find((director) => director.state === 'MASTER');
  const backups = inventory.directors
    .filter((director) => director.state === 'BACKUP')
    .sort((a, b) => b.priority - a.priority);
  const backup = backups[0];
  return (job: RunJob, handlerId: string): StandIn | undefined => {
    if (handlerId !== RESTART_HANDLER || !master || !backup || job.name !== master.name) return undefined;
    return {
      peer: backup.name,
      around: (hosts, interrupt, report) =>
        standInAround(inventory, authPass, { master, backup }, hosts, interrupt, report),
    };
  };
}

async function standInAround(
  inventory: Inventory,
  authPass: string,
  { master, backup }: { master: Director; backup: Director },
  hosts: { self: Transport; peer: Transport },
  interrupt: () => Promise<void>,
  report: { note(message: string): void; warn(message: string): void },
): Promise<void> {
  const raised = master.priority + 1;
  if (raised > HIGHEST_BACKUP_PRIORITY) {
    report.warn(
      `${backup.name} cannot outrank ${master.name} (priority ${master.priority}): the VIP is down while keepalived restarts; give the MASTER a priority below ${HIGHEST_BACKUP_PRIORITY} to avoid that`,
    );
    return interrupt();
  }
  const vip = inventory.vrrp.vip.address;
  const watched: WatchedHost[] = [
    { name: master.name, transport: hosts.self },
    { name: backup.name, transport: hosts.peer },
  ];
  const holders = await vipHolders(watched, vip);
  // Only a VIP on the MASTER alone is lost by its restart; elsewhere the restart costs nothing.
  if (!holders.has(master.name) || holders.has(backup.name)) return interrupt();

  const { version } = inventory.keepalived;
  const syntax = keepalivedSyntaxFor(version);
  const advertInt = inventory.vrrp.advert_int;
  const ownConf = renderKeepalivedConf(inventory, backup, { authPass, syntax });
  // The stand-in must take the VIP now: nopreempt or a preempt_delay would keep it from doing so.
  const preemptingAtOnce: Inventory = {
    ...inventory,
    vrrp: { ...inventory.vrrp, preempt: true, preempt_delay: 0 },
  };
  const standInConf =
    `# lbprov: priority raised to ${raised} while keepalived restarts on ${master.name}; put back right after.\n` +
    renderKeepalivedConf(preemptingAtOnce, { ...backup, priority: raised }, { authPass, syntax });

  await installConf(hosts.peer, standInConf);
  try {
    await reload(hosts.peer, backup.name);
    const taken = await waitForHolder(watched, vip, backup.name, takeoverBoundMs(advertInt, raised, version));
    if (taken === undefined) {
      report.warn(
        `${backup.name} did not take the VIP within ${seconds(takeoverBoundMs(advertInt, raised, version) + SLACK_MS)}; keepalived restarts on ${master.name} anyway`,
      );
    } else {
      report.note(`${backup.name} took the VIP in ${seconds(taken)} while keepalived restarts here`);
    }
    await interrupt();
  } finally {
    try {
      await installConf(hosts.peer, ownConf);
      await reload(hosts.peer, backup.name);
    } catch (error) {
      report.warn(
        `${backup.name} still runs with priority ${raised} (${(error as Error).message}): run apply again to put its configuration back`,
      );
    }
  }
  const expected = returnExpectation(inventory.vrrp, master.priority, version);
  if (!expected.returns) {
    report.note(
      `the VIP stays on ${backup.name}: with vrrp.preempt: false ${master.name} does not take it back`,
    );
    return;
  }
  const back = await waitForHolder(watched, vip, master.name, expected.boundMs);
  if (back === undefined) {
    report.warn(
      `the VIP did not come back from ${backup.name} within ${seconds(expected.boundMs + SLACK_MS)}: see \`lbprov status\``,
    );
  } else {
    report.note(`took the VIP back from ${backup.name} in ${seconds(back)}`);
  }
}

async function installConf(transport: Transport, content: string): Promise<void> {
  await writeFileAtomically(
    transport,
    { path: KEEPALIVED_CONF_PATH, content: Buffer.from(content), mode: 0o600, owner: 'root', group: 'root' },
    false,
  );
}

async function reload(transport: Transport, host: string): Promise<void> {
  const result = await transport.exec(RELOAD_SCRIPT);
  if (result.code !== 0) throw new Error(`reloading keepalived on ${host} failed: ${result.stderr.trim()}`);
}

/** Milliseconds until `holder` alone holds the VIP, or undefined past `boundMs` and the slack. */
async function waitForHolder(
  watched: WatchedHost[],
  vip: string,
  holder: string,
  boundMs: number,
): Promise<number | undefined> {
  const began = performance.now();
  const { samples, reached } = await pollUntil(() => vipHolders(watched, vip), {
    clock: () => Math.round(performance.now() - began),
    timeoutMs: boundMs + SLACK_MS,
    signal: new AbortController().signal,
    done: (holders) => holders.size === 1 && holders.has(holder),
  });
  return reached ? samples.at(-1)?.at_ms : undefined;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
