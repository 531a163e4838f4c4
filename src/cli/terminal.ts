import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeUnprintable } from '../util/printable.js';

/** Prompts need a person at a terminal on both ends: typed answers in, questions out. */
export function hasTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
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
