import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
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

interface YamlSyntaxError {
  line: number;
  column: number;
  message: string;
}

type ParsedYaml = { ok: true; source: YamlSource } | { ok: false; errors: YamlSyntaxError[] };

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // yaml's own duplicate check compares every key with every other (40,000 keys: minutes) and
  // does not name the key; duplicateKeys does both in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const [firstError] = doc.errors;
  if (firstError) {
    // Later syntax errors mostly echo the first one, so only the first is worth reading. The parser
    // recurses per level: thousands of levels exhaust its stack.
    const message = /call stack/i.test(firstError.message) ? TOO_DEEP : firstLine(firstError.message);
    return { ok: false, errors: [{ ...position(firstError.pos[0]), message }] };
  }
  const tooDeep = firstNodeDeeperThan(doc, MAX_DEPTH);
  if (tooDeep !== undefined) return { ok: false, errors: [{ ...position(tooDeep), message: TOO_DEEP }] };
  const duplicates = duplicateKeys(doc);
  if (duplicates.length > 0) {
    return {
      ok: false,
      errors: duplicates.map(({ offset, key }) => ({
        ...position(offset),
        message: `duplicate key ${JSON.stringify(key)}: each key may appear once in a mapping`,
      })),
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

/** An inventory is four levels deep; what goes far beyond is not one, and would only cost stack. */
const MAX_DEPTH = 64;
const TOO_DEEP = `too deeply nested: an inventory has at most ${MAX_DEPTH} levels`;

/** Where the first node below `limit` levels starts, found without recursion. */
function firstNodeDeeperThan(doc: Document, limit: number): number | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth >= limit) return node.range?.[0] ?? 0;
    for (const item of node.items) {
      const child = isPair(item) ? item.value : item;
      stack.push({ node: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Every repeated key of every mapping, where it is repeated. */
function duplicateKeys(doc: Document): { offset: number; key: string }[] {
  const found: { offset: number; key: string }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = keyText(pair);
        if (seen.has(key)) found.push({ offset: (pair.key as Node | null)?.range?.[0] ?? 0, key });
        seen.add(key);
      }
    },
  });
  return found;
}

function keyText(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

/** Each mapping's pairs by key, built on first use: findings look keys up once each. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items)
      if (isPair(pair) && !index.has(keyText(pair))) index.set(keyText(pair), pair);
    pairIndex.set(map, index);
  }
  return index.get(key);
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
      const pair = pairOf(value as YAMLMap, String(segment));
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
