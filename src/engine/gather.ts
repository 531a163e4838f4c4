import { buildProbeScript, parseProbeOutput, uniqueFacts } from '../facts/batch.js';
import type { Fact, FactValues } from '../facts/fact.js';
import type { Transport } from '../transport/types.js';

/*
 * In the engine, not in facts/: facts stay pure questions (a command and a parser) that never talk
 * to a host, and the engine is what runs them over the transport.
 */

/** A host answered its probe with output lbprov cannot read (no shell, sudo asking, a cut stream). */
export class ProbeError extends Error {
  constructor(
    message: string,
    /** What the host printed last: the report shows it, so the cause can be read without a rerun. */
    readonly output: string,
  ) {
    super(message);
  }
}

/**
 * Asks a host every fact in one round trip (each question once) and parses the answers. The one
 * probe of lbprov: apply, destroy, status, verify and the drills read hosts through it.
 */
export async function gather(transport: Transport, facts: Iterable<Fact<unknown>>): Promise<FactValues> {
  const unique = uniqueFacts(facts);
  if (unique.length === 0) return new Map();
  const probe = buildProbeScript(unique);
  const result = await transport.exec(probe.script);
  try {
    return parseProbeOutput(probe, result.stdout);
  } catch (error) {
    throw new ProbeError(
      (error as Error).message,
      `${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`,
    );
  }
}
