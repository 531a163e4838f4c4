import { Listr, type ListrTask } from 'listr2';
import type { EngineEvent, PlanOutline } from '../../engine/events.js';
import type { Renderer } from './types.js';
import { errorLines, indent, STATUS_WORD, summaryLines } from './words.js';

type StepEvent = Extract<EngineEvent, { type: 'step' }>;

interface Waiter<T = StepEvent | undefined> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function waiter<T = StepEvent | undefined>(): Waiter<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * The terminal view: listr2 draws a task per host with its steps as subtasks. listr2 only mirrors
 * the engine's events (each subtask waits for its step's event); diffs and the summary are printed
 * below the task tree once it is done.
 */
export class ListrRenderer implements Renderer {
  private readonly waiters = new Map<string, Waiter>();
  private readonly hostEnds = new Map<string, Waiter>();
  /** Per host: settled with the reason it could not be reached, or undefined once it answered. */
  private readonly reached = new Map<string, Waiter<string | undefined>>();
  private readonly afterward: string[] = [];
  private readonly done: Promise<void>;

  constructor(
    outline: PlanOutline,
    private readonly options: { showDiffs: boolean },
  ) {
    const tasks: ListrTask[] = outline.hosts.map((host) => {
      this.hostEnds.set(host.name, waiter());
      const reached = waiter<string | undefined>();
      this.reached.set(host.name, reached);
      return {
        title: `${host.name}: ${host.role}`,
        // Its steps appear once the host answered; a host that cannot be reached fails here,
        // visibly, instead of ending with a check mark over a column of "not run".
        task: async (_ctx, task) => {
          const unreachable = await reached.promise;
          if (unreachable !== undefined) throw new Error(`${host.name}: UNREACHABLE: ${unreachable}`);
          return task.newListr(
            host.steps.map((step) => this.stepTask(host.name, step)),
            { concurrent: false, exitOnError: false },
          );
        },
      };
    });
    const listr = new Listr(tasks, {
      concurrent: true,
      exitOnError: false,
      rendererOptions: { collapseSubtasks: false, collapseSkips: false, showErrorMessage: true },
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

  private stepTask(host: string, step: { id: string; name: string; handler: boolean }): ListrTask {
    return {
      title: step.name,
      task: async (_ctx, task) => {
        // A step never reported (host unreachable, or a handler nobody notified) ends with its host.
        const event = await Promise.race([
          this.waiterFor(host, step.id).promise,
          this.hostEnds.get(host)!.promise.then(() => undefined),
        ]);
        if (!event) {
          task.skip(`${step.name}: ${step.handler ? 'not needed' : 'not run'}`);
          return;
        }
        const detail = event.description ?? event.reason ?? '';
        switch (event.status) {
          case 'skipped':
          case 'not_run':
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
    switch (event.type) {
      case 'step':
        this.reached.get(event.host)?.resolve(undefined);
        this.waiterFor(event.host, event.step).resolve(event);
        if (event.diff && this.options.showDiffs)
          this.afterward.push(`--- ${event.host}: ${event.name}`, indent(event.diff, '  '));
        if (event.error)
          this.afterward.push(`[${event.host}] ${event.name} FAILED`, ...errorLines(event.error));
        return;
      case 'warning':
        this.afterward.push(`${event.host ? `[${event.host}] ` : ''}warning: ${event.message}`);
        return;
      case 'note':
        this.afterward.push(`[${event.host}] ${event.message}`);
        return;
      case 'host_end':
        if (event.error && event.unreachable)
          this.afterward.push(`[${event.host}] UNREACHABLE`, ...errorLines(event.error));
        else if (event.error && event.failed > 0 && !event.error.command)
          this.afterward.push(`[${event.host}] failed`, ...errorLines(event.error));
        this.reached
          .get(event.host)
          ?.resolve(event.unreachable ? (event.error?.message ?? 'unreachable') : undefined);
        this.hostEnds.get(event.host)?.resolve(undefined);
        return;
      case 'summary':
        this.afterward.push(...summaryLines(event));
        return;
      default:
        return;
    }
  }

  async finish(): Promise<void> {
    for (const end of this.hostEnds.values()) end.resolve(undefined);
    for (const reached of this.reached.values()) reached.resolve(undefined);
    await this.done;
    process.stdout.write(`${this.afterward.join('\n')}\n`);
  }
}
