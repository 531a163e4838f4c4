/** One finding about an inventory, pinned to the place in the file the user has to edit. */
export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Key path as written in the file, e.g. `directors[1].priority`; empty for the file as a whole. */
  path: string;
  message: string;
  /** What would be right, when that can be said. */
  hint?: string;
  severity: 'error' | 'warning';
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text === '' ? segment : `${text}.${segment}`,
    '',
  );
}

/** `file:line:col: severity: path: message; hint: hint` — the shape editors and grep understand. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const subject = d.path === '' ? '' : `${d.path}: `;
  const hint = d.hint === undefined ? '' : `; hint: ${d.hint}`;
  return `${where}: ${d.severity}: ${subject}${d.message}${hint}`;
}
