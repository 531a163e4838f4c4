import type { z } from 'zod';
import { findingsFromIssues } from './schema-issues.js';

/**
 * Checks one value against one field's schema and words the problem exactly as `validate` would,
 * so `lbprov init` can reject an answer the moment it is typed.
 */
export function fieldProblem(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const [finding] = findingsFromIssues(result.error.issues, {
    valueAt: () => value,
    sourceText: () => undefined,
    keysAt: () => [],
  });
  if (finding === undefined) return 'is not valid';
  return finding.hint === undefined ? finding.message : `${finding.message} (${finding.hint})`;
}
