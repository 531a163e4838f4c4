import { expect } from 'chai';
import { formatDiagnostic, type Diagnostic } from '../../../src/inventory/index.js';

/** 1-based line and column of `fragment`'s first character. */
export function positionOf(text: string, fragment: string): { line: number; column: number } {
  const offset = text.indexOf(fragment);
  if (offset < 0) throw new Error(`test bug: "${fragment}" is not in the inventory`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1) ?? '').length + 1 };
}

/** The diagnostic at `path`; the test fails listing what there was instead. */
export function errorAt(errors: Diagnostic[], path: string): Diagnostic {
  const found = errors.find((d) => d.path === path);
  if (found === undefined) {
    expect.fail(`no error at ${path}; got:\n${errors.map(formatDiagnostic).join('\n') || '(none)'}`);
  }
  return found;
}
