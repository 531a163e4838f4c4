/**
 * A fact is a read-only question to a host: the shell command that reads it and a parser from its
 * output to a value. Facts never change a host; the engine batches every fact a host needs into one
 * script, so gathering them costs one SSH round trip.
 */
export interface Fact<T> {
  /** Identifies the question: two steps asking the same thing share one answer. */
  readonly key: string;
  readonly command: string;
  /**
   * The command runs in the probe's own shell rather than a subshell of its own (one fork fewer per
   * fact). Only for commands that never `exit`, change no shell option, folder or file descriptor,
   * and set no variable but `lbp_*` ones: whatever they leave behind, every later fact sees.
   */
  readonly inline?: boolean;
  parse(output: string, exitCode: number): T;
}

export type FactValues = ReadonlyMap<string, unknown>;

export function factValue<T>(values: FactValues, fact: Fact<T>): T {
  if (!values.has(fact.key)) {
    throw new Error(`fact ${fact.key} was not gathered (a step used a fact it did not declare)`);
  }
  return values.get(fact.key) as T;
}
