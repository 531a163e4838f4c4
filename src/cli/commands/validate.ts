import { formatDiagnostic, hostConnections, loadInventory, type LoadResult } from '../../inventory/index.js';
import { escapeUnprintable } from '../../util/printable.js';
import { ExitCode } from '../../util/exit-codes.js';
import { connectionLines } from '../output/connection-lines.js';
import { findingEvent } from '../output/warnings.js';
import { trace } from '../trace.js';

export interface ValidateOptions {
  json?: boolean;
  /** Also how each host would be reached (`--show-connections`, or the global `-v`). */
  showConnections?: boolean;
}

/**
 * `lbprov validate`: checks an inventory offline. Every finding and the verdict go to stdout,
 * in both forms, so `lbprov validate x | less` shows everything; the exit code carries the verdict.
 */
export async function validateCommand(file: string, options: ValidateOptions): Promise<number> {
  const loaded = await loadInventory(file);
  const exitCode = loaded.errors.length === 0 ? ExitCode.Ok : ExitCode.InvalidInventory;
  const events = validateEvents(file, loaded, options, exitCode);
  // --log keeps the events whichever form the screen gets.
  for (const event of events) trace().event(event);
  const lines = options.json
    ? events.map((event) => JSON.stringify(event))
    : textLines(file, loaded, options);
  process.stdout.write(`${lines.join('\n')}\n`);
  return exitCode;
}

/** validate's --json: a finding or connection per event, as every command's, the summary last. */
function validateEvents(
  file: string,
  loaded: LoadResult,
  options: ValidateOptions,
  exitCode: number,
): object[] {
  const { inventory, errors, warnings } = loaded;
  return [
    ...[...errors, ...warnings].map(findingEvent),
    ...(options.showConnections && inventory
      ? hostConnections(inventory).map((connection) => ({ type: 'connection', ...connection }))
      : []),
    {
      type: 'summary',
      mode: 'validate',
      file: escapeUnprintable(file),
      valid: errors.length === 0,
      errors: errors.length,
      warnings: warnings.length,
      exit_code: exitCode,
    },
  ];
}

function textLines(file: string, loaded: LoadResult, options: ValidateOptions): string[] {
  const { inventory, errors, warnings } = loaded;
  const connections = !options.showConnections
    ? []
    : inventory
      ? connectionLines(hostConnections(inventory))
      : ['Connections: not shown, the inventory has errors (fix them first)'];
  return [
    ...connections,
    ...[...errors, ...warnings].map(formatDiagnostic),
    verdict(file, errors.length, warnings.length),
  ];
}

/** The file is named as every diagnostic names it: its name may hold terminal escapes too. */
function verdict(file: string, errorCount: number, warningCount: number): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const shown = escapeUnprintable(file);
  return errorCount === 0
    ? `${shown}: valid${warningCount === 0 ? '' : ` (${count(warningCount, 'warning')})`}`
    : `${shown}: invalid: ${count(errorCount, 'error')}, ${count(warningCount, 'warning')}`;
}
