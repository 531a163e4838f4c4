import { gather } from '../engine/gather.js';
import type { Fact } from '../facts/fact.js';
import type { Transport } from '../transport/types.js';
import type { Evidence } from '../engine/events.js';

/** A command whose answer is kept whole: the command line, its combined output and exit code. */
function evidenceFact(host: string, key: string, command: string): Fact<Evidence> {
  return {
    key,
    // Inside the fact's subshell: stderr joins stdout, so error messages become evidence too.
    command: `exec 2>&1\n${command}`,
    parse: (output, code) => ({ host, command, output: output.replace(/\n+$/, ''), exit_code: code }),
  };
}

/** Runs several read-only commands on one host in the engine's single round trip, as evidence. */
export async function gatherEvidence<K extends string>(
  transport: Transport,
  commands: Record<K, string>,
): Promise<Record<K, Evidence>> {
  const keys = Object.keys(commands) as K[];
  const values = await gather(
    transport,
    keys.map((key) => evidenceFact(transport.host, key, commands[key])),
  );
  return Object.fromEntries(keys.map((key) => [key, values.get(key)])) as Record<K, Evidence>;
}
