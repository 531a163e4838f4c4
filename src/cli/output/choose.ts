import type { PlanOutline } from '../../engine/events.js';
import { redrawableTerminal } from '../terminal.js';
import { trace } from '../trace.js';
import { JsonRenderer } from './json.js';
import { PlainRenderer } from './plain.js';
import type { Renderer } from './types.js';

/**
 * --json: events for scripts. A terminal: the compact live view (ListrRenderer), unless -v asks
 * for every step and every command sent, which read best as lines that stay where they are (a
 * redrawn region would scramble the commands printed between its frames). Anything else (CI,
 * pipes, a terminal too small to redraw on): plain lines.
 */
export async function rendererFor(
  outline: PlanOutline,
  options: { json?: boolean; showDiffs: boolean },
): Promise<Renderer> {
  if (options.json) return new JsonRenderer();
  if (redrawableTerminal() && !trace().verbose) {
    const { ListrRenderer } = await import('./listr.js');
    return new ListrRenderer(outline, { showDiffs: options.showDiffs });
  }
  return new PlainRenderer({ showDiffs: options.showDiffs });
}
