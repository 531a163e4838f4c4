import { Listr, type ListrTask, type ListrTaskWrapper } from 'listr2';
import type { EngineEvent, PlanOutline, RunMode, StepStatus } from '../../engine/events.js';
import type { Renderer } from './types.js';
import { EventLines, isStepEvent } from './event-lines.js';
import { clock, errorLines, hostTroubleLine, indent, notRunLine, progressDetail } from './words.js';
import { cellWidth, padCells } from './cells.js';
import { CompactRenderer, DETAIL } from './compact-renderer.js';

type StepEvent = Extract<EngineEvent, { type: 'step' }>;
type HostEnd = Extract<EngineEvent, { type: 'host_end' }>;
type HostTask = ListrTaskWrapper<unknown, typeof CompactRenderer, typeof CompactRenderer>;

interface Waiter<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function waiter<T>(): Waiter<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** What the terminal knows of one host so far. */
interface HostView {
  /** `name: role`, padded to the longest of the run so that the columns after it line up. */
  label: string;
  steps: PlanOutline['hosts'][number]['steps'];
  /** What it is doing now; undefined while it waits (for a free connection, or for its group). */
  activity?: string;
  /** The last line of the step it runs now, and since when that step runs (this clock). */
  progress?: { name: string; line: string; since: number };
  /** Its listr2 task, once listr2 started it. */
  task?: HostTask;
  /** Every step it reported, in order. */
  reported: StepEvent[];
  /** Settled with its host_end (undefined when the run stopped without one). */
  end: Waiter<HostEnd | undefined>;
}

/** Statuses that changed the host, or would: the steps a compact view shows. */
const CHANGES: ReadonlySet<StepStatus> = new Set(['changed', 'would_change', 'may_change']);

/** How often a step's own clock moves: about as often as the host's (CompactRenderer redraws every 100 ms). */
const PROGRESS_TICK_MS = 250;

/** A change not made (a dry run's, status's drift): not a check mark, which reads as done. */
const WOULD_CHANGE = '~';

/** Modes that change nothing: their changes are ones that would be made. */
const DRY: ReadonlySet<RunMode> = new Set(['dry-run', 'destroy-dry-run', 'status']);

/**
 * The terminal view, compact: while a host runs it is one line (what it is doing and for how
 * long); when it ends it is one line with its outcome and counts, followed only by the steps that
 * changed (or would), failed or did not run, and why it failed or was lost. Steps that were fine,
 * skipped or not needed are counted, not listed (`-v` lists every step, as plain lines).
 *
 * listr2 runs a task per host that mirrors the engine's events; CompactRenderer draws them so that
 * the live part is never taller than the screen and a finished host is printed once, for good.
 * Diffs, the whole of each error and every other event's lines (EventLines) follow once all
 * hosts are done.
 */
export class ListrRenderer implements Renderer {
  private readonly hosts = new Map<string, HostView>();
  private readonly afterward: string[] = [];
  private readonly eventLines = new EventLines();
  private readonly done: Promise<void>;
  private mode: RunMode = 'apply';
  /** Whether any host reported a step: every host has connected and read its facts by then. */
  private stepping = false;
  /** Moves the clocks of the steps that report progress; a host's output changes only with a new line. */
  private progressTicker: NodeJS.Timeout | undefined;

  constructor(
    outline: PlanOutline,
    private readonly options: { showDiffs: boolean },
  ) {
    const width = Math.max(0, ...outline.hosts.map((host) => cellWidth(`${host.name}: ${host.role}`)));
    const tasks: ListrTask<unknown, typeof CompactRenderer, typeof CompactRenderer>[] = outline.hosts.map(
      (host) => {
        const view: HostView = {
          label: padCells(`${host.name}: ${host.role}`, width),
          steps: host.steps,
          reported: [],
          end: waiter(),
        };
        this.hosts.set(host.name, view);
        return {
          title: view.label,
          task: async (_ctx, task) => {
            view.task = task;
            if (view.activity) task.output = view.activity;
            const end = await view.end.promise;
            task.title = this.outcomeLine(view, end);
            // A host with changes still to make is not done: it is drawn as its changes are.
            if (end && DRY.has(this.mode) && end.changed > 0)
              task.task.rendererTaskOptions = { glyph: WOULD_CHANGE };
            // The last subtask fails the list when the host failed or was lost, and so the host
            // itself: it is drawn failed, in red, never with a check mark.
            return task.newListr([...this.notableTasks(view, end), troubleTask(end)], {
              concurrent: false,
              exitOnError: true,
            });
          },
        };
      },
    );
    const listr = new Listr<unknown, typeof CompactRenderer, typeof CompactRenderer>(tasks, {
      concurrent: true,
      exitOnError: false,
      renderer: CompactRenderer,
      fallbackRenderer: CompactRenderer,
    });
    this.done = listr.run().then(
      () => undefined,
      () => undefined,
    );
  }

  /** What the host's line says it does; none: it waits (its clock starts again at its next activity). */
  private setActivity(view: HostView, activity: string | undefined): void {
    view.progress = undefined;
    this.show(view, activity);
  }

  private show(view: HostView, activity: string | undefined): void {
    view.activity = activity;
    if (view.task) view.task.output = activity ?? '';
  }

  /** A running step's name, then its own clock and its last line (CompactRenderer fits them to the screen). */
  private showProgress(view: HostView): void {
    const { name, line, since } = view.progress!;
    this.show(view, `${name}${DETAIL}${progressDetail(line, Date.now() - since)}`);
  }

  /** `lb1: director (MASTER)  0:42  3 changed, 17 ok`: the host's outcome, for good. */
  private outcomeLine(view: HostView, end: HostEnd | undefined): string {
    if (!end) return `${view.label}  ${' '.repeat(5)}  not finished`;
    const dry = DRY.has(this.mode);
    const counts = [
      ...(end.failed > 0 ? [`${end.failed} failed`] : []),
      ...(end.changed > 0 ? [`${end.changed} ${dry ? 'would change' : 'changed'}`] : []),
      ...(end.ok > 0 || (end.failed === 0 && end.changed === 0) ? [`${end.ok} ok`] : []),
    ];
    const outcome = end.unreachable
      ? `UNREACHABLE${view.reported.length > 0 ? ` after ${counts.join(', ')}` : ''}`
      : end.failed > 0 || end.changed > 0
        ? counts.join(', ')
        : `${counts.join(', ')}, ${this.mode === 'status' ? 'converged' : dry ? 'nothing would change' : 'nothing to change'}`;
    return `${view.label}  ${clock(end.duration_ms).padStart(5)}  ${outcome}`;
  }

  /** The steps worth a line: what changed (or would), what failed, and one line for those not run. */
  private notableTasks(
    view: HostView,
    end: HostEnd | undefined,
  ): ListrTask<unknown, typeof CompactRenderer>[] {
    const byStep = new Map(view.reported.map((event) => [event.step, event]));
    const troubled = !end || hostTroubleLine(end) !== undefined;
    const tasks: ListrTask<unknown, typeof CompactRenderer>[] = [];
    const notRun = { count: 0, reasons: new Set<string>() };
    for (const step of view.steps) {
      const event = byStep.get(step.id);
      if (!event) {
        // A host that reported nothing (unreachable, or stopped before its first step) shows only
        // why; a handler nobody notified on a host that did its work was simply not needed.
        if (view.reported.length > 0 && (!step.handler || troubled)) notRun.count += 1;
        continue;
      }
      if (event.status === 'not_run') {
        notRun.count += 1;
        if (event.reason) notRun.reasons.add(event.reason);
      } else if (event.status === 'failed') {
        const message = `${event.name}: ${event.error?.message ?? 'failed'}`;
        tasks.push({
          title: event.name,
          // A failed step is drawn failed and the list goes on: the lines after it are drawn too.
          exitOnError: false,
          task: () => {
            throw new Error(message);
          },
        });
      } else if (CHANGES.has(event.status)) {
        // The host's line counts them; each says what it changed, or would.
        const detail = event.description ?? event.reason;
        tasks.push({
          title: `${event.name}${detail ? `: ${detail}` : ''}`,
          ...(event.status === 'changed' ? {} : { rendererOptions: { glyph: WOULD_CHANGE } }),
          task: () => undefined,
        });
      }
    }
    const line = notRunLine(notRun.count, notRun.reasons);
    if (line) {
      tasks.push({
        title: line,
        // Drawn as skipped (yellow): neither done nor failed.
        task: (_ctx, task) => task.skip(),
      });
    }
    return tasks;
  }

  /**
   * Every host connects and reads its facts before any host runs a step: from the first step on,
   * a host that has no step yet waits for its group (real servers, then the BACKUP, then the
   * MASTER) or for a free connection.
   */
  private firstStep(): void {
    if (this.stepping) return;
    this.stepping = true;
    for (const view of this.hosts.values()) {
      if (view.reported.length === 0) this.setActivity(view, undefined);
    }
  }

  handle(event: EngineEvent): void {
    if (!isStepEvent(event)) {
      this.afterward.push(...this.eventLines.lines(event));
      return;
    }
    switch (event.type) {
      case 'run':
        this.mode = event.mode;
        return;
      case 'host_start': {
        const view = this.hosts.get(event.host);
        if (view && !this.stepping) this.setActivity(view, 'connecting, reading facts');
        return;
      }
      case 'step_start': {
        this.firstStep();
        const view = this.hosts.get(event.host);
        if (view) this.setActivity(view, event.name);
        return;
      }
      case 'step_progress': {
        const view = this.hosts.get(event.host);
        if (!view) return;
        view.progress = { name: event.name, line: event.line, since: Date.now() - event.elapsed_ms };
        this.showProgress(view);
        this.progressTicker ??= setInterval(() => {
          for (const running of this.hosts.values()) if (running.progress) this.showProgress(running);
        }, PROGRESS_TICK_MS).unref();
        return;
      }
      case 'step': {
        this.firstStep();
        const view = this.hosts.get(event.host);
        if (view) {
          view.reported.push(event);
          // A plan reports its steps without starting them (status, --dry-run): the last one read.
          // The steps a failure left undone come all at once, and are not something it does.
          if (event.status !== 'not_run') this.setActivity(view, event.name);
        }
        if (event.diff && this.options.showDiffs)
          this.afterward.push(`--- ${event.host}: ${event.name}`, indent(event.diff, '  '));
        if (event.error)
          this.afterward.push(`[${event.host}] ${event.name} FAILED`, ...errorLines(event.error));
        return;
      }
      case 'host_end':
        if (event.error && event.unreachable)
          this.afterward.push(`[${event.host}] UNREACHABLE`, ...errorLines(event.error));
        else if (event.error && event.failed > 0 && !event.error.command)
          this.afterward.push(`[${event.host}] failed`, ...errorLines(event.error));
        this.hosts.get(event.host)?.end.resolve(event);
        return;
    }
  }

  async finish(): Promise<void> {
    clearInterval(this.progressTicker);
    for (const view of this.hosts.values()) view.end.resolve(undefined);
    await this.done;
    // A blank line between the hosts and what follows them (the summary brings its own).
    const gap = this.afterward.length > 0 && this.afterward[0] !== '' ? [''] : [];
    process.stdout.write(`${[...gap, ...this.afterward].join('\n')}\n`);
  }
}

/** One line under a host that failed or was lost: why, and what to do. It fails the host's list. */
function troubleTask(end: HostEnd | undefined): ListrTask {
  return {
    task: (_ctx, task) => {
      const line = end ? hostTroubleLine(end) : 'the run stopped before this host finished';
      if (!line) return;
      task.title = line;
      throw new Error(line);
    },
  };
}
