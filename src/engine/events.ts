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
  | {
      type: 'summary';
      hosts: Record<string, HostSummary>;
      mode: RunMode;
      changed: number;
      duration_ms: number;
      exit_code: number;
      flags: string[];
    };

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
