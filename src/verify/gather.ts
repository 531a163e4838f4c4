import { buildProbeScript, parseProbeOutput } from '../facts/batch.js';
import type { Fact } from '../facts/fact.js';
import type { Transport } from '../transport/types.js';
import type { Evidence } from './types.js';

/**
 * Runs several read-only commands on one host in a single round trip (the engine's probe batching)
 * and keeps each one's command line, combined output and exit code as evidence.
 */
export async function gatherEvidence<K extends string>(
  transport: Transport,
  commands: Record<K, string>,
): Promise<Record<K, Evidence>> {
  const entries = Object.entries(commands) as [K, string][];
  const facts: Fact<Evidence>[] = entries.map(([key, command]) => ({
    key,
    // Inside the fact's subshell: stderr joins stdout, so error messages become evidence too.
    command: `exec 2>&1\n${command}`,
    parse: (output, code) => ({
      host: transport.host,
      command,
      output: output.replace(/\n+$/, ''),
      exit_code: code,
    }),
  }));
  const probe = buildProbeScript(facts as Fact<unknown>[]);
  const result = await transport.exec(probe.script);
  const values = parseProbeOutput(probe, result.stdout);
  return Object.fromEntries(entries.map(([key]) => [key, values.get(key) as Evidence])) as Record<
    K,
    Evidence
  >;
}
