import type { PathSegment } from './diagnostic.js';

/** A rule's verdict before it is pinned to a line: rules reason about data, the loader about the file. */
export interface Finding {
  path: PathSegment[];
  message: string;
  hint?: string;
  /** Point at the key itself (an unknown key) instead of its value. */
  at?: 'key' | 'value';
}
