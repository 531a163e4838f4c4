import { figures, Listr, ListrDefaultRendererLogLevels, type ListrTask } from 'listr2';
import type { EngineEvent, PlanOutline } from '../../engine/events.js';
import type { Renderer } from './types.js';
import { EventLines, isStepEvent } from './event-lines.js';
import { errorLines, hostTroubleLine, indent, notRunLine, STATUS_WORD } from './words.js';

type StepEvent = Extract<EngineEvent, { type: 'step' }>;
type HostEnd = Extract<EngineEvent, { type: 'host_end' }>;

interface Waiter<T = StepEvent | undefined> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function waiter<T = StepEvent | undefined>(): Waiter<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** What the task tree knows of one host so far. */
interface HostView {
  /** Settled with true at its first step, or with false when it ended without one (unreachable...). */
  answered: Waiter<boolean>;
  /** Settled with its host_end (undefined when the run stopped without one). */
  end: Waiter<HostEnd | undefined>;
  /** The steps that did not run, drawn as one line instead of a line each. */
  notRun: { count: number; reasons: Set<string> };
}

/**
 * The terminal view: listr2 draws a task per host with its steps as subtasks. listr2 only mirrors
 * the engine's events (each subtask waits for its step's event); diffs and the summary are printed
 * below the task tree once it is done.
 */
export class ListrRenderer implements Renderer {
  private readonly waiters = new Map<string, Waiter>();
  private readonly hosts = new Map<string, HostView>();
  private readonly afterward: string[] = [];
  private readonly eventLines = new EventLines();
  private readonly done: Promise<void>;

  constructor(
    outline: PlanOutline,
    private readonly options: { showDiffs: boolean },
  ) {
    const tasks: ListrTask[] = outline.hosts.map((host) => {
      const view: HostView = { answered: waiter(), end: waiter(), notRun: { count: 0, reasons: new Set() } };
      this.hosts.set(host.name, view);
      return {
        title: `${host.name}: ${host.role}`,
        // Its steps appear once the host answered; one that never did shows only why.
        task: async (_ctx, task) => {
          const steps = (await view.answered.promise)
            ? [...host.steps.map((step) => this.stepTask(host.name, view, step)), notRunTask(view)]
            : [];
          // The last subtask fails the list when the host failed or was lost, and so the host
          // itself: listr2 draws it failed, in red, never with a check mark.
          return task.newListr([...steps, troubleTask(view)], { concurrent: false, exitOnError: true });
        },
      };
    });
    const listr = new Listr(tasks, {
      concurrent: true,
      exitOnError: false,
      rendererOptions: {
        collapseSubtasks: false,
        collapseSkips: false,
        showErrorMessage: true,
        // A failed host gets the cross a failed step gets (listr2's default is a red pointer).
        icon: { [ListrDefaultRendererLogLevels.FAILED_WITH_FAILED_SUBTASKS]: figures.cross },
      },
    });
    this.done = listr.run().then(
      () => undefined,
      () => undefined,
    );
  }

  private key(host: string, step: string): string {
    return `${host}\u0000${step}`;
  }

  private waiterFor(host: string, step: string): Waiter {
    const key = this.key(host, step);
    let found = this.waiters.get(key);
    if (!found) {
      found = waiter();
      this.waiters.set(key, found);
    }
    return found;
  }

  private stepTask(
    host: string,
    view: HostView,
    step: { id: string; name: string; handler: boolean },
  ): ListrTask {
    return {
      title: step.name,
      // A failed step is drawn failed and the list goes on: the steps after it report too.
      exitOnError: false,
      task: async (_ctx, task) => {
        // A step never reported (host lost, or a handler nobody notified) ends with its host.
        const event = await Promise.race([
          this.waiterFor(host, step.id).promise,
          view.end.promise.then(() => undefined),
        ]);
        // A handler nobody notified on a host that did its work was not needed; on a host that
        // failed or was lost, it was not run, as the steps after the trouble were not.
        const end = event ? undefined : await view.end.promise;
        if (step.handler && end && !hostTroubleLine(end)) {
          task.skip(`${step.name}: not needed`);
          return;
        }
        if (!event || event.status === 'not_run') {
          view.notRun.count += 1;
          if (event?.reason) view.notRun.reasons.add(event.reason);
          // Counted on one line below the steps instead; listr2 draws no line for an empty title.
          task.title = '';
          return;
        }
        const detail = event.description ?? event.reason ?? '';
        switch (event.status) {
          case 'skipped':
            task.skip(`${step.name}: ${STATUS_WORD[event.status]}${detail ? ` (${detail})` : ''}`);
            return;
          case 'failed':
            throw new Error(`${step.name}: ${event.error?.message ?? 'failed'}`);
          case 'ok':
            task.title = `${step.name}`;
            return;
          default:
            task.title = `${step.name} [${STATUS_WORD[event.status]}${detail ? `: ${detail}` : ''}]`;
        }
      },
    };
  }

  handle(event: EngineEvent): void {
    if (!isStepEvent(event)) {
      this.afterward.push(...this.eventLines.lines(event));
      return;
    }
    switch (event.type) {
      case 'step':
        this.hosts.get(event.host)?.answered.resolve(true);
        this.waiterFor(event.host, event.step).resolve(event);
        if (event.diff && this.options.showDiffs)
          this.afterward.push(`--- ${event.host}: ${event.name}`, indent(event.diff, '  '));
        if (event.error)
          this.afterward.push(`[${event.host}] ${event.name} FAILED`, ...errorLines(event.error));
        return;
      case 'host_end':
        if (event.error && event.unreachable)
          this.afterward.push(`[${event.host}] UNREACHABLE`, ...errorLines(event.error));
        else if (event.error && event.failed > 0 && !event.error.command)
          this.afterward.push(`[${event.host}] failed`, ...errorLines(event.error));
        this.hosts.get(event.host)?.answered.resolve(false);
        this.hosts.get(event.host)?.end.resolve(event);
        return;
      default:
        return;
    }
  }

  async finish(): Promise<void> {
    for (const view of this.hosts.values()) {
      view.answered.resolve(false);
      view.end.resolve(undefined);
    }
    await this.done;
    process.stdout.write(`${this.afterward.join('\n')}\n`);
  }
}

/** The count of the host's steps that did not run; it draws nothing when every step ran. */
function notRunTask(view: HostView): ListrTask {
  return {
    // Subtasks run one after the other: by now every step has reported or its host has ended.
    task: (_ctx, task) => {
      const line = notRunLine(view.notRun.count, view.notRun.reasons);
      if (!line) return;
      task.title = line;
      // Skipped, as a step that was not run was: drawn yellow, neither done nor failed.
      task.skip();
    },
  };
}

/** One line under a host that failed or was lost: why, and what to do. It fails the host's list. */
function troubleTask(view: HostView): ListrTask {
  return {
    task: async (_ctx, task) => {
      const end = await view.end.promise;
      const line = end && hostTroubleLine(end);
      if (!line) return;
      task.title = line;
      throw new Error(line);
    },
  };
}
