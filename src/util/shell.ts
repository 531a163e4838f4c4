/**
 * Quote one value for a POSIX shell: wrap it in single quotes, inside which nothing is special,
 * and spell each embedded single quote as `'\''` (close, escaped quote, reopen).
 * Safe for every string, including empty ones, newlines, `$()`, backticks and globs.
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
