/**
 * `{{ path.to.value }}` placeholders in playbook arguments, filled from a host's variables.
 * A string that is exactly one placeholder takes the value's own type (a list stays a list);
 * placeholders inside longer strings are replaced by text. There is no expression language:
 * anything computed is computed in TypeScript and handed over as a variable.
 */
export class TemplateError extends Error {}

const WHOLE = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/;
const INLINE = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

export function lookup(vars: Record<string, unknown>, path: string): unknown {
  let value: unknown = vars;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in value)) {
      throw new TemplateError(`unknown variable \`${path}\``);
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function fill(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole?.[1]) return lookup(vars, whole[1]);
    return value.replace(INLINE, (_match, path: string) => {
      const found = lookup(vars, path);
      if (typeof found === 'object' && found !== null) {
        throw new TemplateError(`\`${path}\` is a list or map and cannot be placed inside text`);
      }
      return String(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, vars)]));
  }
  return value;
}

/** Each placeholder in `text`, with the offset of its opening braces. */
export function placeholders(text: string): { path: string; offset: number }[] {
  return [...text.matchAll(INLINE)].map((match) => ({ path: match[1] ?? '', offset: match.index }));
}

/** A string that is exactly one placeholder takes the value's own type; only then may it be a list or map. */
export function isWholePlaceholder(text: string): boolean {
  return WHOLE.test(text);
}

/** What a `when:` condition reads, and how it judges the value found there. */
interface Condition {
  path: string;
  test(value: unknown): boolean;
}

/** `when:` conditions: `path` (truthy), `!path`, `path == word`, `path != word`. */
export function parseCondition(condition: string): Condition {
  const comparison = /^\s*([A-Za-z0-9_.]+)\s*(==|!=)\s*([A-Za-z0-9_.-]+)\s*$/.exec(condition);
  if (comparison) {
    const [, path = '', operator, literal] = comparison;
    return { path, test: (value) => (String(value) === literal) === (operator === '==') };
  }
  const truthy = /^\s*(!?)\s*([A-Za-z0-9_.]+)\s*$/.exec(condition);
  if (truthy) {
    const [, negate, path = ''] = truthy;
    return { path, test: (value) => Boolean(value) !== (negate === '!') };
  }
  throw new TemplateError(
    `cannot read the condition \`${condition}\` (use path, !path, path == word or path != word)`,
  );
}

export function holds(condition: string, vars: Record<string, unknown>): boolean {
  const { path, test } = parseCondition(condition);
  return test(lookup(vars, path));
}
