import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeUnprintable } from '../util/printable.js';

/** Prompts need a person at a terminal on both ends: typed answers in, questions out. */
export function hasTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/**
 * A terminal a live view can be redrawn on: a person at both ends, and a size. A pseudo-terminal
 * that reports no size (some CI runners) would wrap every character and could not bound the view.
 */
export function redrawableTerminal(): boolean {
  return hasTerminal() && (process.stdout.columns ?? 0) >= 40 && (process.stdout.rows ?? 0) >= 5;
}

export function noTerminalMessage(file: string): string {
  const seed = fileURLToPath(new URL('../../inventory/seed.yaml', import.meta.url));
  const source = existsSync(seed) ? seed : 'inventory/seed.yaml (in the lbprov sources)';
  const shown = escapeUnprintable(file);
  return [
    'lbprov init asks questions and needs a terminal (stdin and stdout must both be a TTY).',
    `Without one, write the inventory by hand: cp ${source} ${shown}`,
    `then edit it and check it with: lbprov validate ${shown}`,
  ].join('\n');
}
