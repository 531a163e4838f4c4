import { z } from 'zod';
import { didYouMean } from '../inventory/suggest.js';
import type { VariableReference } from './references.js';
import { parseCondition, TemplateError } from './template.js';

interface VariableProblem {
  step: string;
  line: number;
  column: number;
  message: string;
}

type Kind = 'value' | 'list' | 'map';

/** Optional and defaulted values are named like any other. */
function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional || schema instanceof z.ZodDefault
    ? unwrap(schema.unwrap() as z.ZodType)
    : schema;
}

/** What `path` names in the variables, as the templates look it up (a list by index); none: undefined. */
function kindAt(schema: z.ZodType, path: string): Kind | undefined {
  let node = unwrap(schema);
  for (const part of path.split('.')) {
    if (node instanceof z.ZodObject && Object.hasOwn(node.shape, part)) {
      node = unwrap(node.shape[part] as z.ZodType);
    } else if (node instanceof z.ZodArray && /^\d+$/.test(part)) {
      node = unwrap(node.element as z.ZodType);
    } else {
      return undefined;
    }
  }
  return node instanceof z.ZodObject ? 'map' : node instanceof z.ZodArray ? 'list' : 'value';
}

function names(schema: z.ZodType, prefix = ''): string[] {
  const node = unwrap(schema);
  if (!(node instanceof z.ZodObject)) return [];
  return Object.entries(node.shape).flatMap(([key, child]) => [
    `${prefix}${key}`,
    ...names(child as z.ZodType, `${prefix}${key}.`),
  ]);
}

/** Conditions may also read the host's facts, which exist only once the host is probed. */
function readsFacts(path: string): boolean {
  return path.split('.')[0] === 'facts';
}

function unknown(path: string, schema: z.ZodType): string {
  const suggestion = didYouMean(path, names(schema));
  return `unknown variable \`${path}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`;
}

function placeholderProblem(path: string, inText: boolean, schema: z.ZodType): string | undefined {
  const kind = kindAt(schema, path);
  if (kind === undefined) {
    return readsFacts(path)
      ? `\`${path}\`: host facts are read only by when: conditions`
      : unknown(path, schema);
  }
  return inText && kind !== 'value' ? `\`${path}\` is a ${kind} and cannot be placed inside text` : undefined;
}

function conditionProblem(condition: string, schema: z.ZodType): string | undefined {
  let path: string;
  try {
    path = parseCondition(condition).path;
  } catch (error) {
    if (error instanceof TemplateError) return error.message;
    throw error;
  }
  return readsFacts(path) || kindAt(schema, path) !== undefined ? undefined : unknown(path, schema);
}

/** Every reference that names no variable of `schema`, or places a list or map inside text. */
export function variableProblems(references: VariableReference[], schema: z.ZodType): VariableProblem[] {
  return references.flatMap(({ step, line, column, ...reference }) => {
    const message =
      reference.kind === 'placeholder'
        ? placeholderProblem(reference.path, reference.inText, schema)
        : conditionProblem(reference.condition, schema);
    return message === undefined ? [] : [{ step, line, column, message }];
  });
}
