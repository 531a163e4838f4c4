import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { PathSegment } from './diagnostic.js';

/** A parsed YAML file that still knows where each value came from. */
export interface YamlSource {
  data: unknown;
  /** Where `path` is written: its value, or its key with `at: 'key'`; the nearest written ancestor when absent. */
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): { line: number; column: number };
  /** The characters the user typed for a scalar, quotes included (YAML reads `1.30` as 1.3; messages should show `1.30`). */
  sourceText(path: readonly PathSegment[]): string | undefined;
}

export interface YamlSyntaxError {
  line: number;
  column: number;
  message: string;
}

export type ParsedYaml = { ok: true; source: YamlSource } | { ok: false; errors: YamlSyntaxError[] };

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const [firstError] = doc.errors;
  if (firstError) {
    // Later syntax errors mostly echo the first one, so only the first is worth reading.
    return {
      ok: false,
      errors: [{ ...position(firstError.pos[0]), message: firstLine(firstError.message) }],
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      ok: false,
      errors: [{ line: 1, column: 1, message: error instanceof Error ? error.message : String(error) }],
    };
  }
  return {
    ok: true,
    source: {
      data,
      locate: (path, at = 'value') => position(offsetOf(doc, path, at)),
      sourceText: (path) => {
        const found = walk(doc, path);
        const range = found.complete && isScalar(found.value) ? found.value.range : undefined;
        return range ? text.slice(range[0], range[1]).trim() : undefined;
      },
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

interface Walked {
  complete: boolean;
  value: Node | null;
  key: Node | null;
  /** Where the deepest written ancestor of an absent path is best shown. */
  deepest: Node | null;
}

/** A block list or mapping starts on the line after its key; the key is what the user looks for. */
function shownAt(key: Node | null, value: Node | null): Node | null {
  if (value === null) return key;
  const isBlock = isCollection(value) && !value.flow;
  return isBlock && key !== null ? key : value;
}

function walk(doc: Document, path: readonly PathSegment[]): Walked {
  let value = (doc.contents as Node | null) ?? null;
  let key: Node | null = null;
  let deepest = value;
  for (const segment of path) {
    if (isAlias(value)) value = (value.resolve(doc) as Node | undefined) ?? null;
    if (isMap(value)) {
      const pair = value.items.find(
        (p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(segment),
      );
      if (!pair) return { complete: false, value: null, key: null, deepest };
      key = (pair.key as Node | null) ?? null;
      value = (pair.value as Node | null) ?? null;
    } else if (isSeq(value) && typeof segment === 'number' && segment < value.items.length) {
      key = null;
      value = (value.items[segment] as Node | null) ?? null;
    } else {
      return { complete: false, value: null, key: null, deepest };
    }
    deepest = shownAt(key, value) ?? deepest;
  }
  return { complete: true, value, key, deepest };
}

function offsetOf(doc: Document, path: readonly PathSegment[], at: 'key' | 'value'): number {
  const found = walk(doc, path);
  const node = !found.complete
    ? found.deepest
    : at === 'key'
      ? (found.key ?? found.value)
      : shownAt(found.key, found.value);
  return node?.range?.[0] ?? 0;
}
