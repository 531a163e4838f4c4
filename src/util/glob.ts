/** A shell-style pattern (`*` any run, `?` one character, everything else literal) as a RegExp. */
export function globToRegExp(pattern: string, options: { ignoreCase?: boolean } = {}): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, options.ignoreCase ? 'i' : '');
}
