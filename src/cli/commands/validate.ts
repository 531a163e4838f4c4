import { formatDiagnostic, loadInventory } from '../../inventory/index.js';
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

function verdict(file: string, errorCount: number, warningCount: number): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  return errorCount === 0
    ? `${file}: valid${warningCount === 0 ? '' : ` (${count(warningCount, 'warning')})`}`
    : `${file}: invalid: ${count(errorCount, 'error')}, ${count(warningCount, 'warning')}`;
}
