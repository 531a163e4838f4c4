import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Scalar } from 'yaml';
import { isWholePlaceholder, placeholders } from './template.js';

/** Where a playbook's step names a variable: a `{{ }}` placeholder or a `when:` condition. */
export type VariableReference = { step: string; line: number; column: number } & (
  | {
      kind: 'placeholder';
      path: string;
      /** Part of a longer text, where a list or a map cannot stand. */
      inText: boolean;
    }
  | { kind: 'condition'; condition: string }
);

/** The step fields the engine fills from the variables (the others are read as written). */
const TEMPLATED = ['name', 'args', 'skip_reason'];

export function variableReferences(text: string): VariableReference[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const references: VariableReference[] = [];
  for (const section of ['steps', 'handlers']) {
    const steps = doc.get(section, true);
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const id = String(step.get('id'));
      for (const field of TEMPLATED) {
        for (const scalar of textScalars(step.get(field, true))) {
          const [start, end] = scalar.range ?? [0, 0];
          const inText = !isWholePlaceholder(scalar.value);
          // Read from the source, not the parsed value, so that a placeholder inside a folded
          // block is placed on its own line.
          for (const { path, offset } of placeholders(text.slice(start, end))) {
            references.push({ step: id, ...at(start + offset), kind: 'placeholder', path, inText });
          }
        }
      }
      for (const scalar of textScalars(step.get('when', true))) {
        references.push({
          step: id,
          ...at(scalar.range?.[0] ?? 0),
          kind: 'condition',
          condition: scalar.value,
        });
      }
    }
  }
  return references;
}

/** Map keys are never filled, so only values are walked. */
function* textScalars(node: unknown): Generator<Scalar<string>> {
  if (isScalar(node) && typeof node.value === 'string') yield node as Scalar<string>;
  else if (isSeq(node)) for (const item of node.items) yield* textScalars(item);
  else if (isMap(node)) for (const pair of node.items) yield* textScalars(pair.value);
}
