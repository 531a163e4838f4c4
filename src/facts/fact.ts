/**
 * A fact is a read-only question to a host: the shell command that reads it and a parser from its
 * output to a value. Facts never change a host; the engine batches every fact a host needs into one
 * script, so gathering them costs one SSH round trip.
 */
export interface Fact<T> {
  /** Identifies the question: two steps asking the same thing share one answer. */
  readonly key: string;
  readonly command: string;
  parse(output: string, exitCode: number): T;
}

export type FactValues = ReadonlyMap<string, unknown>;

export function factValue<T>(values: FactValues, fact: Fact<T>): T {
  if (!values.has(fact.key)) {
    throw new Error(`fact ${fact.key} was not gathered (a step used a fact it did not declare)`);
  }
  return values.get(fact.key) as T;
}
