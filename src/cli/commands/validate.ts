import { formatDiagnostic, loadInventory } from '../../inventory/index.js';
import { escapeUnprintable } from '../../util/printable.js';
import { ExitCode } from '../exit-codes.js';

/**
 * `lbprov validate`: checks an inventory offline. Every finding and the verdict go to stdout,
 * in both forms, so `lbprov validate x | less` shows everything; the exit code carries the verdict.
 */
export async function validateCommand(file: string, opts: { json?: boolean }): Promise<number> {
  const { errors, warnings } = await loadInventory(file);
  const valid = errors.length === 0;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ valid, errors, warnings }, null, 2)}\n`);
  } else {
    const lines = [...errors, ...warnings].map(formatDiagnostic);
    lines.push(verdict(file, errors.length, warnings.length));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return valid ? ExitCode.Ok : ExitCode.InvalidInventory;
}

/** The file is named as every diagnostic names it: its name may hold terminal escapes too. */
function verdict(file: string, errorCount: number, warningCount: number): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const shown = escapeUnprintable(file);
  return errorCount === 0
    ? `${shown}: valid${warningCount === 0 ? '' : ` (${count(warningCount, 'warning')})`}`
    : `${shown}: invalid: ${count(errorCount, 'error')}, ${count(warningCount, 'warning')}`;
}
