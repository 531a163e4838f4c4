import { z } from 'zod';
import { factValue, type Fact } from '../facts/fact.js';
import { fileFact } from '../facts/files.js';
import { shellQuote } from '../util/shell.js';
import { absolutePath, parseArgs } from './args.js';
import type { Action, Module } from './types.js';

const schema = z
  .object({
    url: z.string().regex(/^https?:\/\/[^\s'"`\\]+$/, 'must be an http(s) URL without spaces or quotes'),
    dest: absolutePath,
    sha256: z
      .string()
      .regex(/^([0-9a-f]{64})?$/)
      .optional()
      .transform((sum) => (sum ? sum : undefined)),
    /**
     * host: the host downloads; control: lbprov downloads once and uploads (hosts without a route
     * out); auto: the host when it can reach the URL, else control.
     */
    via: z.enum(['auto', 'host', 'control']).default('auto'),
  })
  .strict();

type FetchArgs = z.output<typeof schema>;

/**
 * A source tarball is a few megabytes (keepalived 2.2.7: 1.2 MB); a URL that serves more is not
 * one, and must not fill the host's or this machine's memory or disk.
 */
export const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

/** The download script's line that says what it fetched, whether it keeps it or not. */
export const FETCHED_SHA256_PREFIX = 'lbprov-sha256=';

/** The download script: to a temp name, verified, then renamed, so a half download is never taken for a file. */
export function downloadScript(
  url: string,
  dest: string,
  sha256?: string,
  maxBytes = MAX_SOURCE_BYTES,
): string {
  const u = shellQuote(url);
  const d = shellQuote(dest);
  const tmp = shellQuote(`${dest}.lbprov-part`);
  return [
    'set -e',
    `mkdir -p "$(dirname ${d})"`,
    `trap 'rm -f ${tmp}' EXIT`,
    `if command -v curl >/dev/null; then curl -fsSL --retry 2 --max-filesize ${maxBytes} -o ${tmp} ${u};`,
    `elif command -v wget >/dev/null; then wget -q -O ${tmp} ${u};`,
    `else echo 'neither curl nor wget is installed on this host' >&2; exit 1; fi`,
    // curl stops at the cap itself; wget cannot, so its result is measured.
    `if [ "$(wc -c < ${tmp})" -gt ${maxBytes} ]; then echo ${shellQuote(`${url} serves more than ${maxBytes} bytes: not a source tarball`)} >&2; exit 1; fi`,
    `actual=$(sha256sum ${tmp} | cut -d' ' -f1)`,
    `echo "${FETCHED_SHA256_PREFIX}$actual"`,
    ...(sha256
      ? [
          `if [ "$actual" != ${shellQuote(sha256)} ]; then echo "sha256 mismatch for ${url}: got $actual, want ${sha256}" >&2; exit 1; fi`,
        ]
      : []),
    `mv -f ${tmp} ${d}`,
    'trap - EXIT',
  ].join('\n');
}

/**
 * Whether the host reaches the URL: asked only while the file is missing (a HEAD request, which
 * changes nothing), so a converged host never contacts the source.
 */
export function reachFact(url: string, dest: string, sha256?: string): Fact<boolean> {
  const u = shellQuote(url);
  const d = shellQuote(dest);
  // `${h%% *}`: the hash, as `cut -d' ' -f1` would give it, without a cut on the host.
  const present = sha256
    ? `lbp_h=$(sha256sum < ${d} 2>/dev/null); [ "\${lbp_h%% *}" = ${shellQuote(sha256)} ]`
    : `[ -e ${d} ]`;
  return {
    key: `reach:${url}:${dest}:${sha256 ?? ''}`,
    command: [
      `if ${present}; then exit 0; fi`,
      `if command -v curl >/dev/null; then curl -fsSI --max-time 5 ${u} >/dev/null;`,
      `elif command -v wget >/dev/null; then wget -q --spider -T 5 ${u};`,
      'else exit 1; fi',
    ].join('\n'),
    parse: (_output, code) => code === 0,
  };
}

export const fetchModule: Module<FetchArgs> = {
  name: 'fetch',
  parseArgs: (raw) => parseArgs('fetch', schema, raw),
  facts: (args) => [
    fileFact(args.dest, { content: false }),
    ...(args.via === 'auto' ? [reachFact(args.url, args.dest, args.sha256)] : []),
  ],
  check(args, facts, host) {
    const state = factValue(facts, fileFact(args.dest, { content: false }));
    const recorded = host.fetched[args.dest];
    const expected = args.sha256
      ? { sha256: args.sha256, from: 'inventory' as const }
      : recorded
        ? { sha256: recorded, from: 'record' as const }
        : undefined;
    if (state.exists && (!expected || state.sha256 === expected.sha256)) {
      return {
        status: 'ok',
        reason: !expected
          ? `${args.dest} is there (no sha256 given)`
          : expected.from === 'inventory'
            ? `${args.dest} is there with the wanted sha256`
            : `${args.dest} is there with the sha256 recorded when lbprov fetched it`,
      };
    }
    const via =
      args.via === 'auto'
        ? factValue(facts, reachFact(args.url, args.dest, args.sha256))
          ? 'host'
          : 'control'
        : args.via;
    const action: Action = {
      kind: 'fetch',
      via,
      url: args.url,
      dest: args.dest,
      ...(expected ? { expected } : {}),
    };
    return {
      status: 'change',
      change: {
        description: state.exists
          ? `download ${args.url} again (sha256 differs)`
          : `download ${args.url} to ${args.dest}${via === 'control' ? ' (the host cannot reach it: through lbprov)' : ''}`,
        actions: [action],
        // A downloaded artifact: destroy removes it (a wrong-sha file it replaced is not worth keeping).
        undo: [{ kind: 'remove_file', resource: `file:${args.dest}`, path: args.dest }],
      },
    };
  },
};
