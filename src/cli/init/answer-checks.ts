import type { z } from 'zod';
import { fieldProblem, type Problem } from '../../inventory/index.js';

/** Adapters from the inventory's own rules to inquirer's `validate` (true, or the message to show). */

export type AnswerCheck = (answer: string) => string | undefined;

export function toValidate(...checks: AnswerCheck[]): (answer: string) => true | string {
  return (answer) => {
    for (const check of checks) {
      const problem = check(answer.trim());
      if (problem !== undefined) return problem;
    }
    return true;
  };
}

export function textField(schema: z.ZodType): AnswerCheck {
  return (answer) => fieldProblem(schema, answer);
}

/** A typed number is still text; hand the schema a number when it looks like one so its range rules apply. */
export function numberField(schema: z.ZodType): AnswerCheck {
  return (answer) => fieldProblem(schema, asNumber(answer));
}

export function asNumber(answer: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(answer.trim()) ? Number(answer) : answer;
}

export function describeProblem(problem: Problem): string {
  return problem.hint === undefined ? problem.message : `${problem.message} (${problem.hint})`;
}
