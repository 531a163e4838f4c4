/** The engine's only output: a stream of typed events that every renderer (TTY, plain, JSON) consumes. */

export type RunMode = 'apply' | 'dry-run' | 'destroy' | 'destroy-dry-run' | 'status';

export type StepStatus =
  /** Nothing to do. */
  | 'ok'
  /** Changed the host. */
  | 'changed'
  /** --dry-run: would change the host. */
  | 'would_change'
  /** --dry-run: checks ok now, but builds on an earlier step that would change, so it may change too. */
  | 'may_change'
  /** Not applicable on this host (the reason says why). */
  | 'skipped'
  | 'failed'
  /** Not attempted because an earlier step on the host failed. */
  | 'not_run';

export interface StepError {
  message: string;
  /** The command that failed (secrets masked). */
  command?: string;
  /** Its output, tail only. */
  output?: string;
  hint?: string;
}

export type EngineEvent =
  | { type: 'run'; run_id: string; mode: RunMode; hosts: string[] }
  | { type: 'host_start'; host: string; role: string }
  | { type: 'step_start'; host: string; step: string; name: string }
  /**
   * While a step's command runs (a build, a package install): its last line so far (secrets
   * masked) and how long the step has been running. Throttled: a few a second at most, none for a
   * quick command.
   */
  | { type: 'step_progress'; host: string; step: string; name: string; line: string; elapsed_ms: number }
  | {
      type: 'step';
      host: string;
      step: string;
      name: string;
      status: StepStatus;
      reason?: string;
      description?: string;
      diff?: string;
      duration_ms: number;
      error?: StepError;
    }
  | { type: 'warning'; host?: string; message: string }
  /** Something the run did that no step reports on its own (another host standing in for this one). */
  | { type: 'note'; host: string; message: string }
  | {
      type: 'host_end';
      host: string;
      ok: number;
      changed: number;
      failed: number;
      unreachable: boolean;
      duration_ms: number;
      error?: StepError;
    }
  | RunSummary
  | CheckEvent
  | DrillEvent
  | DirectorLive
  | StatusSummary;

/** The last event of apply, destroy and their dry runs: the JSON summary line scripts look for. */
export interface RunSummary {
  type: 'summary';
  hosts: Record<string, HostSummary>;
  mode: RunMode;
  changed: number;
  duration_ms: number;
  exit_code: number;
  flags: string[];
}

/** A step the host never attempted: `reason` names what stopped it first. */
export function notRunStep(
  host: string,
  step: { id: string; name: string },
  reason: string,
): Extract<EngineEvent, { type: 'step' }> {
  return { type: 'step', host, step: step.id, name: step.name, status: 'not_run', reason, duration_ms: 0 };
}

export interface HostSummary {
  ok: number;
  changed: number;
  failed: number;
  unreachable: boolean;
}

export type Emit = (event: EngineEvent) => void;

/** Step names the run's plan knows for each host, so a renderer can draw the whole list up front. */
export interface PlanOutline {
  hosts: { name: string; role: string; steps: { id: string; name: string; handler: boolean }[] }[];
}

// ---------------------------------------------------------------------------------------------
// verify: one verdict per check, each with the command output that decided it

/**
 * not_provable: the check cannot be made on this cluster (a kernel without IPVS, no client host),
 * which is never a pass: it is counted and listed on its own.
 */
export type Verdict = 'pass' | 'fail' | 'not_provable';

/** One command run on one host, as it was run, with its combined output and exit code. */
export interface Evidence {
  host: string;
  command: string;
  output: string;
  exit_code: number;
}

export type CheckId =
  | 'reachable'
  | 'vip-on-one-director'
  | 'keepalived-running'
  | 'ipvs-service'
  | 'ipvs-real-server'
  | 'vip-on-lo'
  | 'arp-ignore'
  | 'arp-announce'
  | 'rp-filter'
  | 'build-checksum'
  | 'redis-listening'
  | 'redis-ping'
  | 'redis-ping-via-vip'
  /** primary-replica: exactly one real server reports role:master. */
  | 'redis-primary'
  /** primary-replica: a real server replicates the primary, link up, in sync. */
  | 'redis-replica'
  /** With Sentinel: one Sentinel names the primary and sees a quorum. */
  | 'sentinel'
  | 'sentinel-quorum'
  /** primary-replica: no replica takes connections on the VIP's (write) port. */
  | 'ipvs-role';

export interface Check {
  check: CheckId;
  /** The host the check is about (for a cluster-wide check, the hosts it names). */
  host: string;
  /** What was checked, in words. */
  title: string;
  verdict: Verdict;
  /** Why this verdict, naming what was found. */
  detail: string;
  evidence: Evidence[];
  /** What to do about a failure. */
  hint?: string;
}

export type CheckEvent =
  /** Before the first check: which inventory is being verified. */
  { type: 'verify'; file: string } | ({ type: 'check' } & Check) | VerifySummary;

export interface VerifyCounts {
  passed: number;
  failed: number;
  not_provable: number;
  unreachable: number;
}

/** verify's last event; on the wire (--json) its type is 'summary', as every command's last line. */
export interface VerifySummary extends VerifyCounts {
  type: 'verify_summary';
  exit_code: number;
  /** The VIP the checks were about (the picture of the cluster drawn with the summary names it). */
  vip: string;
  not_provable_checks: { check: CheckId; host: string; title: string }[];
  /** Hosts --limit kept out of the run. */
  left_out: string[];
  /** Checks --limit made impossible, and why. */
  not_run: { check: string; reason: string }[];
}

// ---------------------------------------------------------------------------------------------
// drills: what was done when, what was observed, and the measurements against keepalived's rules

export type Timeliness = 'as expected' | 'sooner than expected' | 'slower than expected' | 'not observed';

export interface Measurement {
  what: string;
  /** From the action (stop or start) to the first poll that saw it; null when never seen. */
  measured_ms: number | null;
  /** keepalived's own bound for it. */
  expected_ms: number;
  /**
   * What keepalived must wait at least (vrrp.preempt_delay before the preferred director takes the
   * VIP back); sooner means it did not wait. Absent: nothing to wait for.
   */
  earliest_ms?: number;
  /** What a poll and process start-up add on top of the bound before it counts as slow. */
  tolerance_ms: number;
  timeliness: Timeliness;
}

export type DrillKind = 'failover' | 'realserver' | 'redis-primary';

export interface DrillResult {
  type: 'result';
  drill: DrillKind;
  measurements: Measurement[];
  /** Parts the cluster cannot show (a kernel without IPVS). */
  not_provable: string[];
  problems: string[];
  restored: boolean;
  interrupted: boolean;
  /** failover: the directors holding the VIP when the drill ended (the last poll). */
  vip_on?: string[];
  /** failover: the Redis connection the verify client held through the VIP during the drill. */
  held_connection?: HeldConnectionReport;
  /** redis-primary: the numbered writes the verify client made while the primary was stopped. */
  redis_writes?: RedisWritesReport;
  poll_interval_ms: number;
  exit_code: number;
}

/**
 * kept: every PING on the one connection was answered (some perhaps late); reset: it broke and the
 * client had to reconnect; not opened: there was no connection to hold (`detail` says why).
 */
export type HeldConnectionReport =
  | {
      outcome: 'kept' | 'reset';
      /** PINGs sent over the drill. */
      commands: number;
      /** PINGs unanswered within a second or lost to a reset, and reconnects refused. */
      failed_commands: number;
      /** The first reset, on the drill's clock, and how many there were. */
      reset_at_ms?: number;
      resets?: number;
      /**
       * With connection sync: how long after its connect the director taking over listed the
       * connection in its IPVS table (the drill waits for it before the stop); null: not within
       * SYNC_WAIT_MS, so the takeover could not carry it.
       */
      synced_after_ms?: number | null;
    }
  | { outcome: 'not opened'; detail: string };

/** What the writes of `drill redis-primary` saw, counted on the client, read back on the primary. */
export interface RedisWritesReport {
  /** vip: through the VIP; sentinel: to the address Sentinel named; primary: to the old primary itself. */
  via: 'vip' | 'sentinel' | 'primary';
  old_primary: string;
  /** The real server that took the writes afterwards; absent when none did. */
  new_primary?: string;
  attempts: number;
  acknowledged: number;
  failed: number;
  /** Acknowledged writes missing when the list was read back; null when it could not be read. */
  lost: number | null;
  /** Their sequence numbers (the first 20). */
  lost_numbers?: number[];
  /** On the drill's clock: the first write that failed after the stop, the first acknowledged again. */
  first_failure_at_ms?: number;
  resumed_at_ms?: number;
}

export type DrillEvent =
  | { type: 'drill'; drill: DrillKind; plan: string }
  | { type: 'action'; host: string; action: string; command: string; at_ms: number }
  | { type: 'observed'; host: string; what: string; at_ms: number }
  | { type: 'not_provable'; host: string; what: string; reason: string }
  | { type: 'warning'; host?: string; message: string }
  | DrillResult;

// ---------------------------------------------------------------------------------------------
// status: the drift the plan shows, and what each director is doing now

export interface DirectorLive {
  type: 'live';
  host: string;
  state: 'MASTER' | 'BACKUP';
  keepalived: { running: boolean; detail: string };
  holds_vip: boolean;
  /** `ipvsadm -L -n --stats`, or why there is none. */
  ipvs: { available: boolean; table: string };
  /**
   * The inventory's real servers as this director's IPVS table has them in the VIP's service
   * (keepalived removes one its health check fails); null where the table cannot be read.
   */
  real_servers: LiveRealServer[] | null;
}

export interface LiveRealServer {
  name: string;
  address: string;
  port: number;
  /** In the service: keepalived's health check passes (or it has none). */
  in_service: boolean;
  /** From `ipvsadm -L -n`; null when the server is not in the service. */
  weight: number | null;
  active_connections: number | null;
  inactive_connections: number | null;
}

/** A step whose plan says the host is not what the inventory describes. */
export interface Drift {
  host: string;
  step: string;
  name: string;
  status: StepStatus;
  description?: string;
}

/** status's last event; on the wire (--json) its type is 'summary'. */
export interface StatusSummary {
  type: 'status_summary';
  mode: 'status';
  converged: boolean;
  /** The VIP the live state speaks of. */
  vip: string;
  drift: Drift[];
  live_problems: string[];
  /** Every host of the run, in the run's order. */
  hosts: Record<string, HostSummary>;
  flags: string[];
  duration_ms: number;
  exit_code: number;
}
