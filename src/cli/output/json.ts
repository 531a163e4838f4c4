import type { EngineEvent } from '../../engine/events.js';
import type { Renderer } from './types.js';

/** Every command's last JSON line is its `summary`, whatever the command: scripts look for that type. */
const WIRE_TYPE: Partial<Record<EngineEvent['type'], string>> = {
  verify_summary: 'summary',
  status_summary: 'summary',
};

/**
 * Events a person needs and a script does not (the step about to run, a running step's last line,
 * the file verify reads). --log keeps them.
 */
const NOT_ON_THE_WIRE: ReadonlySet<EngineEvent['type']> = new Set(['step_start', 'step_progress', 'verify']);

/** `--json`: one event per line; the last line is the summary object scripts look for. */
export class JsonRenderer implements Renderer {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  handle(event: EngineEvent): void {
    if (NOT_ON_THE_WIRE.has(event.type)) return;
    const type = WIRE_TYPE[event.type];
    this.out.write(`${JSON.stringify(type ? { ...event, type } : event)}\n`);
  }

  async finish(): Promise<void> {}
}
