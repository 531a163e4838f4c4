import type { EngineEvent } from '../../engine/events.js';
import type { Renderer } from './types.js';

/** `--json`: one event per line; the last line is the summary object scripts look for. */
export class JsonRenderer implements Renderer {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  handle(event: EngineEvent): void {
    if (event.type === 'step_start') return;
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  async finish(): Promise<void> {}
}
