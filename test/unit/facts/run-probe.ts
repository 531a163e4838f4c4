import { execFileSync } from 'node:child_process';
import { buildProbeScript, parseProbeOutput } from '../../../src/facts/batch.js';
import type { Fact } from '../../../src/facts/fact.js';

/** Runs facts as the engine does (one probe script, `sh -c`), on this machine, and parses the answers. */
export function runProbe(facts: Fact<unknown>[]): Map<string, unknown> {
  const probe = buildProbeScript(facts);
  const stdout = execFileSync('sh', ['-c', probe.script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return parseProbeOutput(probe, stdout);
}

export function runFact<T>(fact: Fact<T>): T {
  return runProbe([fact]).get(fact.key) as T;
}
