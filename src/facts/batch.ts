import { randomBytes } from 'node:crypto';
import type { Fact } from './fact.js';

/**
 * Builds one script that answers many facts, separated by a marker line that carries the fact's
 * index and exit code. The marker holds a random nonce so no file content can forge one.
 */
export interface ProbeScript {
  script: string;
  facts: Fact<unknown>[];
  nonce: string;
}

export function uniqueFacts(facts: Iterable<Fact<unknown>>): Fact<unknown>[] {
  const byKey = new Map<string, Fact<unknown>>();
  for (const fact of facts) if (!byKey.has(fact.key)) byKey.set(fact.key, fact);
  return [...byKey.values()];
}

export function buildProbeScript(
  facts: Fact<unknown>[],
  nonce = randomBytes(8).toString('hex'),
): ProbeScript {
  const parts = facts.map(
    // A subshell each, so a fact's `exit` ends only that fact; a group in the probe's own shell for
    // the facts written not to need one (Fact.inline), which saves the host a fork per fact.
    (fact, index) =>
      `${fact.inline ? '{' : '('}\n${fact.command}\n${fact.inline ? '}' : ')'} </dev/null 2>/dev/null\nprintf '\\n__lbprov_${nonce} ${index} %d\\n' "$?"`,
  );
  return { script: parts.join('\n'), facts, nonce };
}

export class ProbeOutputError extends Error {}

export function parseProbeOutput(probe: ProbeScript, stdout: string): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const marker = new RegExp(`\\n__lbprov_${probe.nonce} (\\d+) (\\d+)\\n`, 'g');
  let start = 0;
  for (const match of stdout.matchAll(marker)) {
    const index = Number(match[1]);
    const code = Number(match[2]);
    const fact = probe.facts[index];
    if (!fact) throw new ProbeOutputError(`probe output names an unknown fact #${index}`);
    values.set(fact.key, fact.parse(stdout.slice(start, match.index), code));
    start = (match.index ?? 0) + match[0].length;
  }
  const missing = probe.facts.filter((fact) => !values.has(fact.key));
  if (missing.length > 0) {
    throw new ProbeOutputError(
      `the host's probe stopped early: no answer for ${missing.map((fact) => fact.key).join(', ')}`,
    );
  }
  return values;
}
