import type { Director, HostEntry, Inventory } from '../model/inventory.js';
import type { RunJob } from '../engine/run.js';
import type { HostProbe } from '../engine/host-run.js';
import { prepareSteps } from '../engine/plan.js';
import type { Playbook } from '../playbook/load.js';
import { directorVars, realServerVars } from './vars.js';

/** Real servers first (they must be ready before traffic arrives), then BACKUP, then MASTER. */
const GROUP = { realServers: 0, backup: 1, master: 2 } as const;

interface Playbooks {
  director: Playbook;
  realServer: Playbook;
}

export interface ProcedureJob extends RunJob {
  entry: HostEntry;
}

function selected(limit?: ReadonlySet<string>): (entry: HostEntry) => boolean {
  return (entry) => !limit || limit.has(entry.name) || limit.has(entry.host);
}

/** The hosts `buildJobs` makes jobs for, in the order of its jobs (the order a run contacts them). */
export function jobOrder(inventory: Inventory, limit?: ReadonlySet<string>): HostEntry[] {
  const wanted = selected(limit);
  return [...inventory.real_servers.filter(wanted), ...inventory.directors.filter(wanted)];
}

export function buildJobs(
  inventory: Inventory,
  playbooks: Playbooks,
  /** redisPassword: present exactly when the inventory sets redis.password. */
  secrets: { authPass: string; redisPassword?: string },
  limit?: ReadonlySet<string>,
): ProcedureJob[] {
  const wanted = selected(limit);
  const jobs: ProcedureJob[] = [];
  for (const server of inventory.real_servers.filter(wanted)) {
    const vars = realServerVars(inventory, server, secrets.redisPassword);
    jobs.push({
      name: server.name,
      role: 'real server',
      group: GROUP.realServers,
      entry: server,
      vars,
      steps: prepareSteps(playbooks.realServer.steps, vars, `real server ${server.name}`),
      handlers: prepareSteps(playbooks.realServer.handlers, vars, `real server ${server.name}`),
    });
  }
  for (const director of inventory.directors.filter(wanted)) {
    const vars = directorVars(inventory, director, secrets.authPass, secrets.redisPassword);
    jobs.push({
      name: director.name,
      role: `director (${director.state})`,
      group: director.state === 'MASTER' ? GROUP.master : GROUP.backup,
      entry: director,
      vars,
      steps: prepareSteps(playbooks.director.steps, vars, `director ${director.name}`),
      handlers: prepareSteps(playbooks.director.handlers, vars, `director ${director.name}`),
    });
  }
  return jobs;
}

/** The run-wide notice that VRRP-only mode is in effect, repeated on every run while it is. */
export function procedureFlags(inventory: Inventory) {
  const directors = new Set(inventory.directors.map((director: Director) => director.name));
  return (job: RunJob, probe: HostProbe): string[] =>
    directors.has(job.name) && probe.host.ipvs === 'absent' && inventory.allow_vrrp_only
      ? [
          `VRRP-ONLY: ${job.name}'s kernel has no IPVS; keepalived runs with --vrrp and balances nothing (allow_vrrp_only)`,
        ]
      : [];
}
