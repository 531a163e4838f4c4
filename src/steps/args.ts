import { z } from 'zod';
import { ArgsError } from './types.js';

/** Paths that reach a remote shell are quoted anyway; this shape keeps them readable in plans too. */
export const absolutePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._+@%:/-]*$/, 'must be an absolute path of letters, digits and ._+@%:/-');

/**
 * Modes are quoted octal strings: YAML reads an unquoted 0644 as the decimal number 644, which
 * would silently become mode 01204.
 */
export const fileMode = z
  .string({ error: 'must be a quoted octal mode such as "0644"' })
  .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode such as "0644"')
  .transform((mode) => parseInt(mode, 8));

/** A regular expression whose first group is a secret to hide in diffs (old values included). */
export const secretPattern = z
  .string()
  .refine((pattern) => new RegExp(pattern).source.includes('('), { message: 'needs a capture group' });

export const accountName = z.string().regex(/^[a-z_][a-z0-9_-]*$/, 'must be a user or group name');

export function parseArgs<S extends z.ZodType>(module: string, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(arguments)';
    return `${where}: ${issue.message}`;
  });
  throw new ArgsError(`${module}: ${problems.join('; ')}`);
}
