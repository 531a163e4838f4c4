import { ExitCode } from '../../util/exit-codes.js';
import { destinationProblem, runInitPrompts } from '../init/run.js';
import { hasTerminal, noTerminalMessage } from '../terminal.js';

/** `lbprov init`: the interactive first setup; a declined overwrite or Ctrl-C counts as aborted. */
export async function initCommand(file: string): Promise<number> {
  if (!hasTerminal()) {
    process.stderr.write(`${noTerminalMessage(file)}\n`);
    return ExitCode.Usage;
  }
  const problem = await destinationProblem(file);
  if (problem !== undefined) {
    process.stderr.write(`lbprov: ${problem}\n`);
    return ExitCode.Usage;
  }
  const outcome = await runInitPrompts(file);
  return outcome.written ? ExitCode.Ok : outcome.exitCode;
}
