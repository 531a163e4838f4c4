// Issue 13, item 10: an adversarial corpus, generated instead of written by hand. The lab inventory
// (plus every optional string field it leaves out) is attacked field by field: shell injection,
// terminal escapes, CR, NUL, U+202E, 100,000 characters and wrong types in every scalar; bad
// addresses in every address field; hostile keys in every mapping; raw bytes; hostile environment
// values; deep, huge and tricky YAML; special files in place of every file lbprov reads.
//
// Each case asserts what a user would notice: the inventory is refused (exit 4) by an error that
// names the key path at its line, or it is accepted and the table below says why that field can
// hold the value; no diagnostic holds a raw control character or more than a bounded part of a
// long value, none holds a secret (sentinel VRRP and Redis passwords, inline and from the
// environment), nothing throws (exit 70); and each case takes at most a RATIO of the time a trivial
// valid inventory takes, never an absolute time. Everything runs in-process (validateInventoryText,
// loadInventory, sshFileProblems); a sample per payload kind runs through the built CLI too, in text
// and --json, with a timeout so that a hang fails instead of blocking the suite.
//
// A case that exposes a bug stays in, as `it.skip` under a `// BUG:` comment saying what goes wrong.
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import {
  formatDiagnostic,
  loadInventory,
  validateInventoryText,
  type LoadResult,
} from '../../../src/inventory/index.js';
import { schemaKeysAt } from '../../../src/inventory/schema-keys.js';
import { inventorySchema } from '../../../src/inventory/schema.js';
import { sshFileProblems as sshFileFindings, sshFileUses } from '../../../src/inventory/ssh-files.js';
import { buildOnce, LBPROV, REPO } from './run-cli.js';

// ---------------------------------------------------------------------------------------------
// Limits the assertions use

/** A case may take this many times the median time of the trivial valid inventory (in-process). */
const RATIO = 50;
/** The same for a run of the CLI, whose start-up dominates (trivial: `lbprov validate` on the seed). */
const CLI_RATIO = 10;
/** A hung child is killed after this long and the case fails (not a time bound: a hang guard). */
const CHILD_TIMEOUT_MS = 30_000;
/** clip()'s default in src/util/printable.ts: a value quoted by the schema messages is cut here. */
const QUOTE_CAP = 80;
/** MAX_MESSAGE_CHARACTERS in src/inventory/load.ts: every message and hint is cut here, with a count. */
const MESSAGE_CAP = 600;
/** MAX_PATH_CHARACTERS in src/inventory/load.ts. */
const PATH_CAP = 200;
/** What clip() appends: "... (99999 more characters)". */
const CLIP_SUFFIX = 40;

/* eslint-disable no-control-regex -- finding raw control characters is the point */
/** What must never reach a terminal raw: C0 and C1 controls (but LF and TAB), DEL, bidi marks. */
const UNSAFE_IN_OUTPUT =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/** The same, and LF and TAB too: one diagnostic is one line. */
const UNSAFE_IN_FIELD = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/* eslint-enable no-control-regex */

// ---------------------------------------------------------------------------------------------
// The seed: inventory/lab.yaml, plus every optional string field it leaves out

const VRRP_SECRET = 'Qz7xKw9';
const REDIS_SECRET = 'Rd9-sentinel-Pw';
const SECRETS = [VRRP_SECRET, REDIS_SECRET];
const SECRET_ENV = { LBPROV_AUTH_PASS: VRRP_SECRET, LBPROV_REDIS_PASSWORD: REDIS_SECRET };
/** The number put where text is expected: echoed for ordinary fields, never for a password. */
const NUMBER_MARKER = 73915842;
const LONG_CHAR = 'Z';
const LONG_VALUE = LONG_CHAR.repeat(100_000);
/** Created by any injected command that ran; checked at the end. */
const CANARY = join(tmpdir(), `lbprov-adversarial-canary-${process.pid}`);
const FILE = 'inventory.yaml';
const LAB = readFileSync(join(REPO, 'inventory', 'lab.yaml'), 'utf8');

type Segment = string | number;
type KeyPath = Segment[];
type Variant = 'secrets from the environment' | 'secrets inline';
const VARIANTS: Variant[] = ['secrets from the environment', 'secrets inline'];

/**
 * A value for each optional key the lab inventory leaves out, added when the schema knows the key
 * (so that a key added to the schema later is attacked as soon as it has a value here; the first
 * test below fails while one has none).
 */
const OPTIONAL_SAMPLES: [KeyPath, unknown][] = [
  [['ssh', 'proxy_jump'], 'ops@bastion.example.net'],
  [['ssh', 'config_file'], 'none'],
  [['keepalived', 'fetch'], 'auto'],
  [['ipvsadm', 'fetch'], 'control'],
  [['directors', 0, 'interface'], 'eth0'],
  // false: true is refused for the lab's keepalived 1.2.0, and the seed must be valid.
  [['vrrp', 'unicast'], false],
  // The defaults: a delay with preempt: false is refused, and the seed must be valid.
  [['vrrp', 'preempt'], true],
  [['vrrp', 'preempt_delay'], 0],
  [['destroy', 'remove_packages'], false],
  [['firewall'], 'auto'],
  [['service', 'check', 'type'], 'redis'],
  // false: the lab's allow_vrrp_only refuses true.
  [['service', 'connection_sync'], false],
  // One valid primary-replica cluster on the lab's two real servers, with a third Sentinel on lb1.
  [['redis', 'topology'], 'primary-replica'],
  [['redis', 'primary'], 'rs1'],
  [['redis', 'read_port'], 6380],
  [['redis', 'sentinel'], { down_after_ms: 5000, failover_timeout_ms: 60000, also_on: ['lb1'] }],
];
/** A per-host ssh override on the second director and the second real server. */
const HOST_SSH_SAMPLE: Record<string, unknown> = {
  user: 'deploy',
  port: 2222,
  identity_file: '~/.ssh/id_rs',
  known_hosts: '~/.ssh/known_hosts',
  host_key_policy: 'accept-new',
  become: true,
  proxy_jump: 'ops@bastion.example.net',
};

const schemaKnows = (path: KeyPath) =>
  schemaKeysAt(inventorySchema, path.slice(0, -1)).includes(String(path.at(-1)));

function seedText(variant: Variant): string {
  const doc = parseDocument(LAB);
  const set = (path: KeyPath, value: unknown) => doc.setIn(path, doc.createNode(value));
  for (const [path, value] of OPTIONAL_SAMPLES) if (schemaKnows(path)) set(path, value);
  const hostSsh = Object.fromEntries(
    Object.entries(HOST_SSH_SAMPLE).filter(([key]) => schemaKnows(['directors', 0, 'ssh', key])),
  );
  for (const list of ['directors', 'real_servers']) set([list, 1, 'ssh'], hostSsh);
  const inline = variant === 'secrets inline';
  if (schemaKnows(['redis', 'password'])) {
    set(['redis', 'password'], inline ? REDIS_SECRET : { env: 'LBPROV_REDIS_PASSWORD' });
  }
  if (inline) set(['vrrp', 'auth_pass'], VRRP_SECRET);
  return String(doc);
}

const SEEDS = new Map(VARIANTS.map((variant) => [variant, seedText(variant)]));
const seed = (variant: Variant) => SEEDS.get(variant)!;

function keyPath(path: readonly Segment[]): string {
  return path.reduce<string>(
    (text, s) => (typeof s === 'number' ? `${text}[${s}]` : text === '' ? s : `${text}.${s}`),
    '',
  );
}

/** The problems the files named by these ssh settings have, as `key: problem` under the inventory-wide keys. */
async function sshFileProblems(
  settings: { identity_file?: string; known_hosts: string }[],
): Promise<string[]> {
  const uses = settings.flatMap((ssh) => sshFileUses(ssh, (kind) => ({ path: ['ssh', kind] })));
  return (await sshFileFindings(uses)).map((problem) => `${keyPath(problem.path)}: ${problem.message}`);
}

/** A scalar written in the seed, with where its key and value stand. */
interface Slot {
  path: KeyPath;
  key: string;
  value: unknown;
  start: number;
  end: number;
  keyLine: number;
  valueLine: number;
}

/** A mapping written in the seed, with where a new first key goes. */
interface MapSlot {
  path: KeyPath;
  key: string;
  offset: number;
  indent: number;
  line: number;
  /** The line of the key (or list item) that holds the mapping. */
  keyLine: number;
}

function layout(text: string): { scalars: Slot[]; maps: MapSlot[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const scalars: Slot[] = [];
  const maps: MapSlot[] = [];
  const lineOf = (offset: number) => lines.linePos(offset).line;
  const walk = (node: unknown, path: KeyPath, keyLine: number) => {
    if (isMap(node)) {
      const first = node.items[0]?.key;
      if (isScalar(first) && first.range) {
        const { line, col } = lines.linePos(first.range[0]);
        maps.push({ path, key: keyPath(path), offset: first.range[0], indent: col - 1, line, keyLine });
      }
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const line = isScalar(pair.key) && pair.key.range ? lineOf(pair.key.range[0]) : keyLine;
        walk(pair.value, [...path, key], line);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const range = (item as { range?: [number, number, number] }).range;
        walk(item, [...path, index], range ? lineOf(range[0]) : keyLine);
      });
    } else if (isScalar(node) && node.range) {
      const [start, end] = node.range;
      scalars.push({
        path,
        key: keyPath(path),
        value: node.value,
        start,
        end,
        keyLine,
        valueLine: lineOf(start),
      });
    }
  };
  walk(doc.contents, [], 1);
  return { scalars, maps };
}

const LAYOUTS = new Map(VARIANTS.map((variant) => [variant, layout(seed(variant))]));
const layoutOf = (variant: Variant) => LAYOUTS.get(variant)!;

/** The seed with one value replaced, written as JSON (a YAML flow scalar or collection, on one line). */
function withValue(text: string, slot: Slot, value: unknown): string {
  return text.slice(0, slot.start) + JSON.stringify(value) + text.slice(slot.end);
}

function lineCount(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

// ---------------------------------------------------------------------------------------------
// Payloads

type PayloadKind = 'injection' | 'control character' | 'long' | 'wrong type';

interface Payload {
  name: string;
  kind: PayloadKind;
  value(original: unknown): unknown;
  /** A fragment of the payload that a message about a password must never show. */
  marker?: string;
}

const tail = (name: string, kind: PayloadKind, text: string, marker: string): Payload => ({
  name,
  kind,
  value: (original) => `${String(original)}${text}`,
  marker,
});

const head = (name: string, kind: PayloadKind, text: string, marker: string): Payload => ({
  name,
  kind,
  value: (original) => `${text}${String(original)}`,
  marker,
});

/**
 * Appended to the field's own valid value, so that a check anchored only at the start is caught;
 * the ones without a space or a slash are put in front too, where a field made of parts (user@host)
 * reads its first part.
 */
const STRING_PAYLOADS: Payload[] = [
  head('$(...) in front', 'injection', '$(reboot)', 'reboot'),
  head('backticks in front', 'injection', '`reboot`', 'reboot'),
  head('OSC window title in front', 'control character', '\u001b]0;pwned\u0007', 'pwned'),
  head('CR in front', 'control character', 'f0rged\r', 'f0rged'),
  head('NUL in front', 'control character', 'nu1l\u0000', 'nu1l'),
  head('U+202E in front', 'control character', 'ev1l\u202e', 'ev1l'),
  tail('$(...)', 'injection', `$(touch ${CANARY})`, 'touch '),
  tail('backticks', 'injection', `\`touch ${CANARY}\``, 'touch '),
  tail("'; ...; '", 'injection', `'; touch ${CANARY}; '`, 'touch '),
  tail('&& ...', 'injection', ` && touch ${CANARY}`, 'touch '),
  tail('newline', 'control character', `\ntouch ${CANARY}`, 'touch '),
  tail('OSC window title', 'control character', '\u001b]0;pwned\u0007', 'pwned'),
  tail('ESC clear screen', 'control character', '\u001b[2J', '[2J'),
  tail('CR', 'control character', '\rf0rged', 'f0rged'),
  tail('NUL', 'control character', '\u0000nu1l', 'nu1l'),
  tail('U+202E', 'control character', '\u202eev1l', 'ev1l'),
  tail('100,000 characters', 'long', LONG_VALUE, LONG_CHAR.repeat(4)),
];

const fixed = (name: string, value: unknown, marker?: string): Payload => ({
  name,
  kind: 'wrong type',
  value: () => value,
  ...(marker === undefined ? {} : { marker }),
});

/** A value of every other YAML type than the field's own. */
function wrongTypes(original: unknown): Payload[] {
  const holding = (name: string, wrap: (v: unknown) => unknown): Payload => ({
    name,
    kind: 'wrong type',
    value: (v) => wrap(v),
    marker: String(original),
  });
  const collections = [
    holding('a list', (v) => [v]),
    holding('a map', (v) => ({ value: v })),
    fixed('null', null),
  ];
  if (typeof original === 'string') {
    return [
      fixed('a number', NUMBER_MARKER, String(NUMBER_MARKER)),
      fixed('a boolean', true),
      ...collections,
    ];
  }
  if (typeof original === 'number') {
    return [fixed('quoted digits', String(original)), fixed('a boolean', true), ...collections];
  }
  return [fixed('quoted "true"', 'true'), fixed('a number', 1), ...collections];
}

// ---------------------------------------------------------------------------------------------
// What each field may hold

const SECRET_KEYS = new Set(['vrrp.auth_pass', 'redis.password']);

const LOCAL_PATH_HOLDS = new Set([
  '$(...) in front',
  'backticks in front',
  'OSC window title in front',
  'U+202E in front',
  '$(...)',
  'backticks',
  "'; ...; '",
  '&& ...',
  'OSC window title',
  'ESC clear screen',
  'U+202E',
  '100,000 characters',
]);

/** Why an accepted value is harmless there, or undefined when the field must refuse it. */
function acceptedBecause(slot: Slot, payload: Payload): string | undefined {
  const field = String(slot.path.at(-1));
  if (LOCAL_PATH_FIELDS.includes(field) && LOCAL_PATH_HOLDS.has(payload.name)) {
    // checkLocalPath refuses only NUL, CR and LF (the newline, CR and NUL payloads are refused).
    return 'a control-side path: lbprov only opens it itself (readLocalFile, no shell) and a file name may hold these characters';
  }
  if (field === 'env' && payload.name === '100,000 characters') {
    return 'an environment variable name of letters only: it is only looked up in lbprov’s own environment';
  }
  if (field === 'source' && payload.name === '100,000 characters') {
    return 'letters only, inside the URL alphabet that has no shell or glob meaning; it reaches the host quoted';
  }
  if (slot.key === 'redis.password' && REDIS_PASSWORD_HOLDS.has(payload.name)) return REDIS_PASSWORD_REASON;
  return undefined;
}

const LOCAL_PATH_FIELDS = ['identity_file', 'known_hosts', 'config_file'];
/** Printable ASCII without spaces, quotes or backslashes: what redis.conf reads without quoting. */
const REDIS_PASSWORD_HOLDS = new Set(['$(...) in front', 'backticks in front']);
const REDIS_PASSWORD_REASON =
  'the Redis password is written only into a file Redis reads (requirepass), uploaded over SFTP, never on a command line; $ ( ) ` need no quoting there';

/** A combination that should be refused and is not: its cases are `it.skip`, under the comment. */
interface Bug {
  title: string;
  applies(slot: Slot, payload: { name: string }): boolean;
}

const SCALAR_BUGS: Bug[] = [];

const bugOf = (slot: Slot, payload: { name: string }) => SCALAR_BUGS.find((b) => b.applies(slot, payload));

/** The one payload per kind the inline-secret variant runs on a field that holds no secret. */
const INLINE_SAMPLE = new Set(['$(...)', 'OSC window title', 'U+202E in front', '100,000 characters']);

/** Raw characters typed into the file (the YAML text itself, not escapes in a quoted string). */
const RAW: [name: string, char: string][] = [
  ['NUL', '\u0000'],
  ['ESC', '\u001b'],
  ['CR', '\r'],
  ['DEL', '\u007f'],
  ['C1 CSI', '\u009b'],
  ['U+202E', '\u202e'],
  ['U+2066', '\u2066'],
];

/**
 * `char` inside the value, never at its end (a CR there would only make a CRLF): inside the quotes
 * of a quoted scalar, else r<char>root, 1<char>1.
 */
function withRaw(text: string, slot: Slot, char: string): string {
  const body = text.slice(slot.start, slot.end);
  const inside = /^["']/.test(body) ? body[0] + char + body.slice(1) : body[0] + char + body;
  return text.slice(0, slot.start) + inside + text.slice(slot.end);
}

// ---------------------------------------------------------------------------------------------
// The checks every case gets

let baselineMs = 0;
let baselineBytes = 0;
const counts = new Map<string, number>();
const count = (kind: string, n = 1) => counts.set(kind, (counts.get(kind) ?? 0) + n);

/**
 * Runs with Node's default Error.stackTraceLimit, as the CLI does: mocha sets it to Infinity, and
 * then the stack overflow the YAML parser meets in deep nesting takes seconds to record.
 */
function withNodeStackLimit<T>(work: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 10;
  try {
    return work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function validate(text: string, env: NodeJS.ProcessEnv = SECRET_ENV): { result: LoadResult; ms: number } {
  const started = performance.now();
  const result = withNodeStackLimit(() => validateInventoryText(text, FILE, env));
  return { result, ms: performance.now() - started };
}

/** Inputs much larger than the seed may take proportionally longer: linear, not worse. */
function allowedMs(bytes: number): number {
  return RATIO * baselineMs * Math.max(1, bytes / baselineBytes);
}

/**
 * Validates `text` and returns the time; one slow run may be a garbage collection, so a run over
 * the bound is repeated twice and the fastest counts.
 */
function timedValidate(text: string, env: NodeJS.ProcessEnv, problems: string[], label: string): LoadResult {
  const first = validate(text, env);
  const { result } = first;
  let { ms } = first;
  const allowed = allowedMs(text.length);
  for (let retry = 0; retry < 2 && ms > allowed; retry += 1) ms = Math.min(ms, validate(text, env).ms);
  if (ms > allowed) {
    problems.push(
      `${label}: took ${ms.toFixed(1)} ms, ${(ms / baselineMs).toFixed(0)} x the trivial inventory (at most ${(allowed / baselineMs).toFixed(0)} x)`,
    );
  }
  return result;
}

function longestRun(text: string, char: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

/** What no diagnostic may hold, in any of its fields or as the line `validate` prints. */
function hygiene(result: LoadResult, problems: string[], label: string, neverShown: string[] = []): void {
  const diagnostics = [...result.errors, ...result.warnings];
  for (const d of diagnostics) {
    const fields: [string, string][] = [
      ['file', d.file],
      ['path', d.path],
      ['message', d.message],
      ['hint', d.hint ?? ''],
      ['line', formatDiagnostic(d)],
    ];
    for (const [name, text] of fields) {
      if (UNSAFE_IN_FIELD.test(text))
        problems.push(`${label}: raw control character in ${name}: ${JSON.stringify(text.slice(0, 120))}`);
    }
    if (d.message.length > MESSAGE_CAP + CLIP_SUFFIX || (d.hint ?? '').length > MESSAGE_CAP + CLIP_SUFFIX)
      problems.push(`${label}: a message of ${d.message.length} characters`);
    if (d.path.length > PATH_CAP + CLIP_SUFFIX)
      problems.push(`${label}: a key path of ${d.path.length} characters`);
    const run = Math.max(longestRun(d.message, LONG_CHAR), longestRun(d.hint ?? '', LONG_CHAR));
    if (run > MESSAGE_CAP) problems.push(`${label}: echoes ${run} characters of a long value`);
  }
  const shown = JSON.stringify(diagnostics);
  for (const secret of [...SECRETS, ...neverShown]) {
    if (shown.includes(secret)) problems.push(`${label}: shows ${JSON.stringify(secret.slice(0, 40))}`);
  }
}

/** Refused, by an error naming `key` (or a key below it) on one of `lines`. */
function refusedAt(
  result: LoadResult,
  key: string,
  lines: number[],
  problems: string[],
  label: string,
): void {
  if (result.errors.length === 0) {
    problems.push(`${label}: accepted; expected an error at ${key}`);
    return;
  }
  if (result.inventory !== undefined) problems.push(`${label}: errors, yet a model was returned`);
  const named = result.errors.find(
    (e) =>
      (e.path === key || e.path.startsWith(`${key}.`) || e.path.startsWith(`${key}[`)) &&
      lines.includes(e.line) &&
      e.file === FILE,
  );
  if (named === undefined) {
    const got = result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message.slice(0, 100)}`);
    problems.push(`${label}: no error names ${key} at line ${lines.join(' or ')}; got ${got.join(' | ')}`);
  }
}

function acceptedCase(result: LoadResult, problems: string[], label: string): void {
  if (result.errors.length > 0) {
    problems.push(
      `${label}: refused (${result.errors.map((e) => `${e.path}: ${e.message.slice(0, 80)}`).join(' | ')}); the table says the field holds it`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI: a sample of the cases above, run through bin/lbprov

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface CliCase {
  name: string;
  kind: string;
  command: 'validate' | 'apply';
  /** Writes the inventory (or names the special file) at run time, in `dir`. */
  inventory(dir: string): string;
  env?: Record<string, string>;
  /** The key the error must name and its line; undefined for a problem with the file itself. */
  key?: string;
  line?: number;
  /** A fragment the error must say. */
  says?: string;
  /** Also run with --json. */
  json: boolean;
  /** A value that must never be shown (a password). */
  neverShown?: string[];
}

const cliCases: CliCase[] = [];
let workDir = '';
let cliBaselineMs = 0;
const cliRuns = new Map<CliCase, { text: CliRun; json?: CliRun }>();
const writtenFiles = new WeakMap<CliCase, string>();

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      LBPROV,
      args,
      {
        cwd: REPO,
        // HOME is the scratch folder: no ~ path reaches the user's own ~/.ssh.
        env: { PATH: process.env.PATH ?? '', HOME: workDir, ...SECRET_ENV, ...env },
        timeout: CHILD_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
        resolve({
          code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
          signal: failure?.signal ?? null,
          stdout,
          stderr,
          ms: performance.now() - started,
        });
      },
    );
  });
}

/** apply is run only on what is refused before any connection; the hosts are TEST-NET-2 anyway. */
function toTestNet(text: string): string {
  return text.replaceAll('192.168.56.', '198.51.100.');
}

async function refusedOffline(file: string): Promise<void> {
  const loaded = await loadInventory(file, { ...SECRET_ENV, HOME: workDir }, { connecting: true });
  if (loaded.inventory === undefined) return;
  throw new Error(`test bug: ${file} would pass every offline check, so apply would contact hosts`);
}

async function runCliCase(c: CliCase): Promise<{ text: CliRun; json?: CliRun }> {
  const file = c.inventory(workDir);
  writtenFiles.set(c, file);
  if (c.command === 'apply') await refusedOffline(file);
  const args = c.command === 'apply' ? ['apply', file, '--dry-run'] : ['validate', file];
  const text = await runCli(args, c.env);
  const json = c.json ? await runCli([...args, '--json'], c.env) : undefined;
  return json === undefined ? { text } : { text, json };
}

function checkCliRun(c: CliCase, run: CliRun, json: boolean, file: string): string[] {
  const problems: string[] = [];
  const label = json ? '--json' : 'text';
  const output = run.stdout + run.stderr;
  if (run.signal !== null || run.code === null) {
    problems.push(`${label}: did not exit within ${CHILD_TIMEOUT_MS} ms (killed by ${run.signal})`);
    return problems;
  }
  if (run.code !== 4) problems.push(`${label}: exit ${run.code}, expected 4: ${output.slice(0, 300)}`);
  if (/\n\s+at /.test(output) || /internal error/.test(output))
    problems.push(`${label}: a stack trace or an internal error`);
  const unsafe = UNSAFE_IN_OUTPUT.exec(output);
  if (unsafe)
    problems.push(
      `${label}: raw ${JSON.stringify(unsafe[0])} in the output: ${JSON.stringify(output.slice(Math.max(0, unsafe.index - 60), unsafe.index + 20))}`,
    );
  const run2 = longestRun(output, LONG_CHAR);
  if (run2 > MESSAGE_CAP) problems.push(`${label}: echoes ${run2} characters of a long value`);
  if (output.length > 64 * 1024) problems.push(`${label}: ${output.length} characters of output`);
  for (const secret of [...SECRETS, ...(c.neverShown ?? [])]) {
    if (output.includes(secret)) problems.push(`${label}: shows ${JSON.stringify(secret.slice(0, 40))}`);
  }
  if (run.ms > CLI_RATIO * cliBaselineMs) {
    problems.push(
      `${label}: took ${run.ms.toFixed(0)} ms, ${(run.ms / cliBaselineMs).toFixed(1)} x a trivial validate (at most ${CLI_RATIO} x)`,
    );
  }
  const where =
    c.key === undefined ? `${file}:1:1: error: ` : `${file}:${c.line === undefined ? '' : `${c.line}:`}`;
  const says = c.says ?? '';
  if (c.command === 'validate' && !json) {
    const line = run.stdout
      .split('\n')
      .find((l) => l.startsWith(where) && l.includes(`error: ${c.key ?? ''}`) && l.includes(says));
    if (line === undefined)
      problems.push(
        `text: no line "${where}...error: ${c.key ?? ''}...${says}" in: ${run.stdout.slice(0, 600)}`,
      );
    if (!run.stdout.includes(': invalid: ')) problems.push('text: no "invalid" verdict');
    if (run.stderr !== '') problems.push(`text: stderr: ${run.stderr.slice(0, 200)}`);
  } else if (c.command === 'validate') {
    try {
      const events = run.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as FindingEvent & { valid?: boolean; exit_code?: number });
      const last = events.at(-1);
      if (last?.type !== 'summary' || last.valid !== false || last.exit_code !== 4)
        problems.push(
          `--json: the last line is not a summary, invalid, exit_code 4: ${run.stdout.slice(-300)}`,
        );
      if (!events.some(namesTheFinding(c)))
        problems.push(
          `--json: no error at ${c.key ?? '(the file)'}:${c.line ?? 1} saying "${says}": ${run.stdout.slice(0, 400)}`,
        );
    } catch {
      problems.push(`--json: not JSON lines: ${run.stdout.slice(0, 200)}`);
    }
  } else if (!json) {
    if (!run.stderr.includes('nothing was contacted'))
      problems.push(`text: no "nothing was contacted": ${run.stderr.slice(0, 300)}`);
    const named = run.stderr
      .split('\n')
      .some(
        (l) => l.includes(c.key ?? '') && l.includes(says) && (c.line === undefined || l.includes(where)),
      );
    if (!named) problems.push(`text: stderr names no ${c.key} saying "${says}": ${run.stderr.slice(0, 600)}`);
  } else {
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FindingEvent & { exit_code?: number });
    const last = events.at(-1);
    if (last?.type !== 'summary' || last.exit_code !== 4)
      problems.push(`--json: the last line is not a summary with exit_code 4: ${run.stdout.slice(-300)}`);
    // The command reports the inventory's findings as validate does: pinned to the key and line.
    if (!events.some(namesTheFinding(c)))
      problems.push(`--json: no error event naming ${c.key} saying "${says}"`);
  }
  return problems;
}

interface FindingEvent {
  type: string;
  path?: string;
  line?: number;
  message?: string;
  hint?: string;
}

/** Whether a --json event is the error the case expects, at its key (and line) saying what it should. */
function namesTheFinding(c: CliCase): (event: FindingEvent) => boolean {
  return (e) =>
    e.type === 'error' &&
    (c.key === undefined ? e.path === '' : (e.path ?? '').startsWith(c.key)) &&
    (c.line === undefined || e.line === c.line) &&
    `${e.message} ${e.hint ?? ''}`.includes(c.says ?? '');
}

function writeCase(name: string, text: string): (dir: string) => string {
  return (dir) => {
    const file = join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}.yaml`);
    writeFileSync(file, text);
    return file;
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// ---------------------------------------------------------------------------------------------
// The corpus

describe('adversarial inventory corpus (issue 13)', function () {
  this.timeout(120_000);

  it('the checks themselves catch a raw escape, a long echo, a secret, a wrong line, an acceptance and a crash', () => {
    const problems: string[] = [];
    const message = `"\u001b[2J${LONG_CHAR.repeat(700)}${VRRP_SECRET}" is not a safe user name`;
    const shown: LoadResult = {
      errors: [{ file: FILE, line: 3, column: 1, path: 'ssh.user', message, severity: 'error' }],
      warnings: [],
    };
    hygiene(shown, problems, 'fake');
    refusedAt(shown, 'ssh.user', [4], problems, 'fake');
    refusedAt({ errors: [], warnings: [] }, 'ssh.user', [3], problems, 'fake');
    const crashed: CliRun = {
      code: 70,
      signal: null,
      stdout: '',
      stderr: 'lbprov: internal error: x\n    at f (a.js:1:1)\n',
      ms: 1,
    };
    const hung: CliRun = { code: null, signal: 'SIGKILL', stdout: '', stderr: '', ms: CHILD_TIMEOUT_MS };
    const c: CliCase = {
      name: 'fake',
      kind: 'fake',
      command: 'validate',
      inventory: () => FILE,
      key: 'ssh.user',
      line: 3,
      json: false,
    };
    problems.push(...checkCliRun(c, crashed, false, FILE), ...checkCliRun(c, hung, false, FILE));
    for (const expected of [
      'raw control character in message',
      'a message of',
      'echoes 700 characters',
      `shows "${VRRP_SECRET}"`,
      'no error names ssh.user at line 4',
      'accepted; expected an error at ssh.user',
      'exit 70, expected 4',
      'a stack trace or an internal error',
      'did not exit within',
    ]) {
      expect(problems.join('\n')).to.include(expected);
    }
  });

  it('the seed writes every key the schema knows, so that every field is attacked', () => {
    const missing: string[] = [];
    for (const variant of VARIANTS) {
      const written = new Map<string, { path: KeyPath; keys: Set<string> }>();
      const walk = (node: unknown, path: KeyPath) => {
        if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, i]));
        else if (node !== null && typeof node === 'object') {
          const general = keyPath(path.map((s) => (typeof s === 'number' ? 0 : s)));
          const entry = written.get(general) ?? {
            path: path.map((s) => (typeof s === 'number' ? 0 : s)),
            keys: new Set(),
          };
          for (const [key, value] of Object.entries(node)) {
            entry.keys.add(key);
            walk(value, [...path, key]);
          }
          written.set(general, entry);
        }
      };
      walk(parseDocument(seed(variant)).toJS(), []);
      for (const [general, { path, keys }] of written) {
        for (const key of schemaKeysAt(inventorySchema, path)) {
          if (!keys.has(key)) missing.push(`${variant}: ${general ? `${general}.` : ''}${key}`);
        }
      }
    }
    expect(missing, 'add a value to OPTIONAL_SAMPLES or HOST_SSH_SAMPLE').to.deep.equal([]);
  });

  before(() => {
    const text = seed('secrets from the environment');
    for (const variant of VARIANTS) {
      const { result } = validate(seed(variant));
      expect(result.errors, `${variant}: the seed must be valid`).to.deep.equal([]);
    }
    for (let i = 0; i < 30; i += 1) validate(text); // warm up the JIT
    baselineMs = median(Array.from({ length: 9 }, () => validate(text).ms));
    baselineBytes = text.length;
  });

  describe('every scalar field, every payload (injection, control characters, 100,000 characters, wrong types)', () => {
    const casesOf = (variant: Variant, slot: Slot) => {
      const all = [...STRING_PAYLOADS, ...wrongTypes(slot.value)];
      // With the secrets inline, a field that holds none gets one payload of each kind: the question
      // there is only whether any message repeats the inline passwords.
      return variant === 'secrets inline' && !SECRET_KEYS.has(slot.key)
        ? all.filter((p) => INLINE_SAMPLE.has(p.name) || p.kind === 'wrong type')
        : all;
    };
    for (const variant of VARIANTS) {
      const text = seed(variant);
      for (const slot of layoutOf(variant).scalars) {
        const secret = SECRET_KEYS.has(slot.key);
        const payloads = casesOf(variant, slot);
        const runnable = payloads.filter((p) => bugOf(slot, p) === undefined);
        for (const p of payloads) count(p.kind);
        it(`${slot.key} (${variant}): ${runnable.length} payloads`, () => {
          const problems: string[] = [];
          for (const payload of runnable) {
            const label = `${slot.key} <- ${payload.name}`;
            const edited = withValue(text, slot, payload.value(slot.value));
            const result = timedValidate(edited, SECRET_ENV, problems, label);
            const because = acceptedBecause(slot, payload);
            if (because === undefined)
              refusedAt(result, slot.key, [slot.keyLine, slot.valueLine], problems, label);
            else acceptedCase(result, problems, label);
            hygiene(result, problems, label, secret && payload.marker ? [payload.marker] : []);
          }
          expect(problems, problems.join('\n')).to.deep.equal([]);
        });
      }
    }

    // Each BUG is described where SCALAR_BUGS lists it.
    for (const bug of SCALAR_BUGS) {
      it.skip(`BUG: ${bug.title}`, () => {
        const problems: string[] = [];
        for (const variant of VARIANTS) {
          const text = seed(variant);
          for (const slot of layoutOf(variant).scalars) {
            for (const payload of casesOf(variant, slot).filter((p) => bug.applies(slot, p))) {
              const label = `${slot.key} <- ${payload.name} (${variant})`;
              const result = timedValidate(
                withValue(text, slot, payload.value(slot.value)),
                SECRET_ENV,
                problems,
                label,
              );
              refusedAt(result, slot.key, [slot.keyLine, slot.valueLine], problems, label);
              hygiene(result, problems, label);
            }
            for (const [name, char] of RAW.filter(([name]) => bug.applies(slot, { name: `raw ${name}` }))) {
              const label = `${slot.key} <- raw ${name}`;
              const result = timedValidate(withRaw(text, slot, char), SECRET_ENV, problems, label);
              refusedAt(result, slot.key, [slot.valueLine], problems, label);
            }
          }
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }
  });

  describe('bad addresses in every address field', () => {
    const BAD: [address: string, what: string][] = [
      ['0.0.0.0', 'the unspecified address'],
      ['224.0.0.18', 'multicast (the VRRP group itself)'],
      ['255.255.255.255', 'the limited broadcast address'],
      ['192.168.56.0', 'the network address of the lab subnet'],
      ['192.168.56.255', 'the broadcast address of the lab subnet'],
      ['127.0.0.1', 'loopback, for a remote host'],
      ['240.0.0.1', 'the reserved 240.0.0.0/4'],
      ['0.1.2.3', 'inside 0.0.0.0/8'],
      ['192.168.056.21', 'a leading zero (octal to some tools)'],
      ['192.168.56', 'three octets'],
      ['::1', 'IPv6'],
      ['', 'empty'],
      [' 192.168.56.21', 'a leading space'],
    ];
    const text = seed('secrets from the environment');
    const fields = layoutOf('secrets from the environment').scalars.filter((s) =>
      ['host', 'client', 'vip'].includes(String(s.path.at(-1))),
    );
    const asWritten = (slot: Slot, address: string) => (slot.key === 'vrrp.vip' ? `${address}/24` : address);
    // A real server or the verify client at the lab subnet's network or broadcast address: checked
    // on its own, below.
    const subnetEdge = (slot: Slot, address: string) =>
      (slot.key.startsWith('real_servers') || slot.key === 'verify.client') &&
      (address === '192.168.56.0' || address === '192.168.56.255');

    it('covers every host, the verify client and the VIP', () => {
      expect(fields.map((s) => s.key)).to.deep.equal([
        'vrrp.vip',
        'directors[0].host',
        'directors[1].host',
        'real_servers[0].host',
        'real_servers[1].host',
        'verify.client',
      ]);
    });

    for (const slot of fields) {
      const cases = BAD.filter(([address]) => !subnetEdge(slot, address));
      count('bad address', BAD.length);
      it(`${slot.key}: ${cases.length} addresses refused, naming the key`, () => {
        const problems: string[] = [];
        for (const [address, what] of cases) {
          const label = `${slot.key} <- ${address} (${what})`;
          const result = timedValidate(
            withValue(text, slot, asWritten(slot, address)),
            SECRET_ENV,
            problems,
            label,
          );
          refusedAt(result, slot.key, [slot.valueLine], problems, label);
          hygiene(result, problems, label);
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    // Issue 13 item 4: a real server or the verify client at the network (192.168.56.0) or broadcast
    // (192.168.56.255) address of the VIP's /24 is refused, by the rule the directors get.
    it('the lab subnet’s network and broadcast addresses are refused for real servers and the verify client', () => {
      const problems: string[] = [];
      for (const slot of fields) {
        for (const [address] of BAD.filter(([a]) => subnetEdge(slot, a))) {
          const label = `${slot.key} <- ${address}`;
          const result = timedValidate(withValue(text, slot, address), SECRET_ENV, problems, label);
          refusedAt(result, slot.key, [slot.valueLine], problems, label);
        }
      }
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });
  });

  describe('every mapping: hostile keys, and other shapes in its place', () => {
    const KEYS: [name: string, key: string | number][] = [
      ['OSC window title', '\u001b]0;pwned\u0007'],
      ['ESC clear screen', 'x\u001b[2J'],
      ['CR', 'x\rforged'],
      ['NUL', 'x\u0000'],
      ['U+202E', 'x\u202eevil'],
      ['newline', 'x\ny'],
      ['$(...)', `$(touch ${CANARY})`],
      ['100,000 characters', LONG_VALUE],
      ['a number', 12345],
      ['empty', ''],
    ];
    /** A YAML key of 1,024 characters or more must be explicit (`? key`). */
    const insertKey = (text: string, map: MapSlot, key: string | number) => {
      const indent = ' '.repeat(map.indent);
      const pair =
        typeof key === 'string' && key.length > 1000
          ? `? ${JSON.stringify(key)}\n${indent}: 1\n${indent}`
          : `${JSON.stringify(key)}: 1\n${indent}`;
      return text.slice(0, map.offset) + pair + text.slice(map.offset);
    };
    const unknownKeyAt = (result: LoadResult, map: MapSlot, problems: string[], label: string) => {
      const named = result.errors.find(
        (e) => e.path.startsWith(map.key) && e.message.startsWith('unknown key "') && e.line === map.line,
      );
      if (!named) {
        const got = result.errors.map((e) => `${e.line} ${e.path}: ${e.message.slice(0, 80)}`).join(' | ');
        problems.push(
          `${label}: no "unknown key" under ${map.key || 'the top level'} at line ${map.line}; got ${got}`,
        );
      } else if (named.message.length > QUOTE_CAP + CLIP_SUFFIX + 'unknown key ""'.length) {
        problems.push(`${label}: the key is quoted in ${named.message.length} characters`);
      }
    };

    for (const variant of VARIANTS) {
      const text = seed(variant);
      const maps = layoutOf(variant).maps.filter((m) => m.path.length > 0);
      const SHAPES: [string, unknown][] = [
        ['a string', 'x'],
        ['a number', NUMBER_MARKER],
        ['a list', ['x']],
        ['null', null],
      ];
      count('wrong type', maps.length * SHAPES.length);
      it(`${variant}: each of ${maps.length} mappings replaced by a string, a number, a list or null is refused at its key`, () => {
        const problems: string[] = [];
        for (const map of maps) {
          for (const [name, value] of SHAPES) {
            const label = `${map.key} <- ${name}`;
            const doc = parseDocument(text);
            doc.setIn(map.path, doc.createNode(value));
            const edited = String(doc);
            const result = timedValidate(edited, SECRET_ENV, problems, label);
            refusedAt(result, map.key, [map.keyLine, map.line], problems, label);
            hygiene(result, problems, label);
          }
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    {
      const variant: Variant = 'secrets from the environment';
      const text = seed(variant);
      const maps = layoutOf(variant).maps;
      count('hostile key', maps.length * KEYS.length);
      it(`${variant}: ${KEYS.length} keys in each of ${maps.length} mappings are refused as unknown, shown escaped and cut`, () => {
        const problems: string[] = [];
        for (const map of maps) {
          for (const [name, key] of KEYS) {
            const label = `${map.key || '(top level)'} <- key ${name}`;
            const result = timedValidate(insertKey(text, map, key), SECRET_ENV, problems, label);
            unknownKeyAt(result, map, problems, label);
            hygiene(result, problems, label);
          }
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    // A key named after an Object.prototype member is an unknown key like any other: looked up in a
    // plain object, it would find the inherited member (validation ended with exit 70).
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      it(`a key named ${key} in any mapping is an unknown key, not exit 70`, () => {
        const problems: string[] = [];
        const text = seed('secrets from the environment');
        for (const map of layoutOf('secrets from the environment').maps) {
          const label = `${map.key || '(top level)'} <- key ${key}`;
          try {
            const result = timedValidate(insertKey(text, map, key), SECRET_ENV, problems, label);
            unknownKeyAt(result, map, problems, label);
          } catch (error) {
            problems.push(`${label}: threw ${String(error)}`);
          }
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }
  });

  describe('raw bytes typed into the file', () => {
    const text = seed('secrets from the environment');
    const { scalars, maps } = layoutOf('secrets from the environment');
    // Local paths may hold ESC and the like (see acceptedBecause); every other field refuses them.
    const strict = scalars.filter(
      (s) =>
        !LOCAL_PATH_FIELDS.includes(String(s.path.at(-1))) &&
        !RAW.some(([name]) => bugOf(s, { name: `raw ${name}` })),
    );
    const insertRaw = (slot: Slot, char: string) => withRaw(text, slot, char);
    count('raw byte', RAW.length * (strict.length + maps.length + 1));

    it(`in each of ${strict.length} values: refused at the key, shown escaped`, () => {
      const problems: string[] = [];
      for (const slot of strict) {
        for (const [name, char] of RAW) {
          const label = `${slot.key} <- raw ${name}`;
          const result = timedValidate(insertRaw(slot, char), SECRET_ENV, problems, label);
          refusedAt(result, slot.key, [slot.valueLine], problems, label);
          hygiene(result, problems, label);
        }
      }
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });

    it(`in a key of each of ${maps.length} mappings: an unknown key, shown escaped`, () => {
      const problems: string[] = [];
      for (const map of maps) {
        for (const [name, char] of RAW) {
          const label = `${map.key || '(top level)'} <- key with raw ${name}`;
          const edited =
            text.slice(0, map.offset) + `k${char}k: 1\n${' '.repeat(map.indent)}` + text.slice(map.offset);
          const result = timedValidate(edited, SECRET_ENV, problems, label);
          const named = result.errors.find((e) => e.path.startsWith(map.key) && e.line === map.line);
          if (!named)
            problems.push(
              `${label}: nothing at line ${map.line}: ${result.errors.map((e) => `${e.line} ${e.path}`).join(' | ')}`,
            );
          hygiene(result, problems, label);
        }
      }
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });

    it('in a comment: accepted, since comments are dropped by the parser and never shown', () => {
      const problems: string[] = [];
      for (const [name, char] of RAW) {
        const label = `comment <- raw ${name}`;
        const result = timedValidate(
          text.replace('# lbprov inventory', `# lbprov ${char} inventory`),
          SECRET_ENV,
          problems,
          label,
        );
        acceptedCase(result, problems, label);
        hygiene(result, problems, label);
      }
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });

    // Invisible characters are shown escaped: `user: "ro\u200bot"` must not read as the valid "root".
    it('zero-width characters (U+200B, U+FEFF) are shown escaped', () => {
      const slot = strict.find((s) => s.key === 'ssh.user')!;
      for (const char of ['\u200b', '\ufeff', '\u2060']) {
        const { result } = validate(insertRaw(slot, char));
        expect(JSON.stringify(result.errors)).not.to.include(char);
      }
    });
  });

  describe('hostile values in the environment', () => {
    const text = seed('secrets from the environment');
    const slots = layoutOf('secrets from the environment').scalars;
    for (const [variable, key] of [
      ['LBPROV_AUTH_PASS', 'vrrp.auth_pass.env'],
      ['LBPROV_REDIS_PASSWORD', 'redis.password.env'],
    ] as const) {
      const slot = slots.find((s) => s.key === key)!;
      const secret = SECRET_ENV[variable];
      count('environment', STRING_PAYLOADS.length);
      it(`${variable}: ${STRING_PAYLOADS.length} payloads, refused at ${key} unless the field may hold them, never shown`, () => {
        const problems: string[] = [];
        for (const payload of STRING_PAYLOADS) {
          const label = `${variable} <- ${payload.name}`;
          const env = { ...SECRET_ENV, [variable]: String(payload.value(secret)) };
          const result = timedValidate(text, env, problems, label);
          // One rule for the file and the environment: what redis.password may hold inline, it may
          // hold here (see REDIS_PASSWORD_REASON).
          if (variable === 'LBPROV_REDIS_PASSWORD' && REDIS_PASSWORD_HOLDS.has(payload.name))
            acceptedCase(result, problems, label);
          else refusedAt(result, key, [slot.valueLine], problems, label);
          hygiene(result, problems, label, payload.marker ? [payload.marker] : []);
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }
  });

  describe('deep, huge and tricky YAML', () => {
    const text = seed('secrets from the environment');
    const user = layoutOf('secrets from the environment').scalars.find((s) => s.key === 'ssh.user')!;
    const port = layoutOf('secrets from the environment').scalars.find((s) => s.key === 'ssh.port')!;
    const endLine = text.split('\n').length;
    const raw = (yaml: string) => text.slice(0, user.start) + yaml + text.slice(user.end);
    const DEEP = 'YAML syntax: too deeply nested';
    type Expect = { key: string; line?: number; says?: string } | { accepted: string };
    const STRUCTURE: [name: string, build: () => string, expected: Expect][] = [
      [
        'block mappings 65 levels deep',
        () =>
          `${text}deep:\n${Array.from({ length: 65 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`,
        { key: '', says: DEEP },
      ],
      [
        'block sequences 1,000 levels deep',
        () =>
          `${text}deep:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(2 * i + 1)}-`).join('\n')} 1\n`,
        { key: '', says: DEEP },
      ],
      [
        'flow mappings 20,000 levels deep',
        () => `${text}deep: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`,
        { key: '', line: endLine, says: DEEP },
      ],
      [
        'an unclosed flow sequence 20,000 deep',
        () => `${text}deep: ${'['.repeat(20_000)}\n`,
        { key: '', line: endLine, says: DEEP },
      ],
      [
        'nesting 5,000 deep as the value of ssh.user',
        () => raw(`${'['.repeat(5000)}${']'.repeat(5000)}`),
        { key: '', line: user.valueLine, says: DEEP },
      ],
      [
        'an alias bomb (10^10 nodes)',
        () =>
          `${text}x0: &a0 [a,a,a,a,a,a,a,a,a,a]\n${Array.from({ length: 9 }, (_, i) => `x${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(',')}]`).join('\n')}\n`,
        { key: '', says: 'alias' },
      ],
      [
        'an alias as a value (service.lb_algo: *u, &u on ssh.user)',
        () => raw('&u root').replace('lb_algo: rr', 'lb_algo: *u'),
        { key: 'service.lb_algo', says: '"root"' },
      ],
      ['an alias to nothing', () => raw('*nope'), { key: '', says: 'alias' }],
      [
        'a merge key',
        () =>
          text.slice(0, user.start - 'user: '.length) +
          `<<: { user: evil }\n  user: root` +
          text.slice(user.end),
        { key: 'ssh.<<', says: 'unknown key' },
      ],
      ['!!binary on ssh.user', () => raw('!!binary cm9vdA=='), { key: 'ssh.user', line: user.valueLine }],
      ['!!set on ssh.user', () => raw('!!set { root }'), { key: 'ssh.user', line: user.valueLine }],
      [
        '!!timestamp on ssh.user',
        () => raw('!!timestamp 2001-12-14'),
        { key: 'ssh.user', line: user.valueLine },
      ],
      [
        'a custom tag does not bypass the check',
        () => raw('!evil "root;reboot"'),
        { key: 'ssh.user', line: user.valueLine },
      ],
      [
        '!!str on ssh.port',
        () => text.slice(0, port.start) + '!!str 22' + text.slice(port.end),
        { key: 'ssh.port', line: port.valueLine },
      ],
      [
        'a second YAML document',
        () => `${text}---\nssh: { user: evil }\n`,
        { key: '', line: endLine, says: 'multiple documents' },
      ],
      [
        'tabs as indentation',
        () => text.replace('  user: root', '\tuser: root'),
        { key: '', line: user.valueLine, says: 'Tabs' },
      ],
      [
        '3,000,000 characters in ssh.user',
        () => raw(LONG_CHAR.repeat(3_000_000)),
        { key: 'ssh.user', line: user.valueLine },
      ],
      [
        'a byte order mark',
        () => `\ufeff${text}`,
        { accepted: 'the parser skips a BOM at the start of a file' },
      ],
      [
        'CRLF line endings',
        () => text.replaceAll('\n', '\r\n'),
        { accepted: 'YAML reads CRLF as a line break' },
      ],
      [
        'a 3,000,000-character comment',
        () => `${text}# ${'c'.repeat(3_000_000)}\n`,
        { accepted: 'comments are dropped by the parser' },
      ],
    ];
    count('structure', STRUCTURE.length);
    for (const [name, build, expected] of STRUCTURE) {
      it(`${name}: ${'accepted' in expected ? `accepted (${expected.accepted})` : `refused${expected.key ? ` at ${expected.key}` : ''}`}`, () => {
        const problems: string[] = [];
        const input = build();
        const result = timedValidate(input, SECRET_ENV, problems, name);
        if ('accepted' in expected) acceptedCase(result, problems, name);
        else {
          const match = result.errors.find(
            (e) =>
              e.path === expected.key &&
              (expected.line === undefined || e.line === expected.line) &&
              `${e.message} ${e.hint ?? ''}`.includes(expected.says ?? ''),
          );
          if (!match)
            problems.push(
              `${name}: no error at ${expected.key || '(file)'}:${expected.line ?? '?'} saying "${expected.says ?? ''}": ${result.errors.map((e) => `${e.line}:${e.column} [${e.path.slice(0, 40)}] ${e.message.slice(0, 100)}`).join(' | ')}`,
            );
          if (match && match.line > lineCount(input, input.length))
            problems.push(`${name}: line ${match.line} is past the end`);
        }
        hygiene(result, problems, name);
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    it('ten times the nesting costs about ten times as much, not a hundred (2,000 -> 20,000 flow levels)', () => {
      const deep = (n: number) => `${text}deep: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`;
      const best = (input: string) => Math.min(...Array.from({ length: 3 }, () => validate(input).ms));
      best(deep(2000));
      const ratio = best(deep(20_000)) / best(deep(2000));
      expect(ratio).to.be.below(30);
    });

    // Issue 13 item 3: validation linear in the input, here the number of hosts (8,000 real servers took
    // 6.8 s while each host was compared with every earlier one).
    it('ten times the real servers costs about ten times as much, not a hundred (200 -> 2,000)', () => {
      const hosts = (n: number) =>
        text.replace(
          'real_servers:\n',
          `real_servers:\n${Array.from({ length: n }, (_, i) => `  - { host: 10.${(i >> 8) & 255}.${i & 255}.9, name: n${i} }\n`).join('')}`,
        );
      const best = (input: string) => Math.min(...Array.from({ length: 2 }, () => validate(input).ms));
      best(hosts(200));
      const ratio = best(hosts(2000)) / best(hosts(200));
      expect(ratio).to.be.below(30);
      const problems: string[] = [];
      timedValidate(hosts(2000), SECRET_ENV, problems, '2,000 real servers');
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });
  });

  describe('special files in place of every file lbprov reads', function () {
    let dir = '';
    let socketServer: Server | undefined;
    const special: Record<string, string> = {};

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lbprov-adversarial-files-'));
      special.fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [special.fifo]);
      special.directory = join(dir, 'folder');
      mkdirSync(special.directory);
      special.missing = join(dir, 'missing');
      special.device = '/dev/zero';
      special.null = '/dev/null';
      special.socket = join(dir, 'socket');
      socketServer = createServer();
      await new Promise<void>((resolve) => socketServer!.listen(special.socket, resolve));
      special['symlink to a pipe'] = join(dir, 'to-pipe');
      symlinkSync(special.fifo, special['symlink to a pipe']);
      special['symlink to a device'] = join(dir, 'to-zero');
      symlinkSync('/dev/zero', special['symlink to a device']);
      special['symlink loop'] = join(dir, 'loop');
      symlinkSync(special['symlink loop'], special['symlink loop']);
      special['4 MiB + 1 byte'] = join(dir, 'huge.yaml');
      writeFileSync(special['4 MiB + 1 byte'], `# ${'c'.repeat(4 * 1024 * 1024 - 2)}\n`);
    });
    after(async () => {
      await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    const INVENTORY: [kind: string, says: string][] = [
      ['fifo', 'is a named pipe, not a file'],
      ['device', 'is a device, not a file'],
      ['null', 'is a device, not a file'],
      ['directory', 'is a directory, not a file'],
      ['missing', 'no such file'],
      // open(2) of a Unix socket fails with ENXIO, before readLocalFile can say "is a socket".
      ['socket', 'cannot be opened (ENXIO)'],
      ['symlink to a pipe', 'is a named pipe, not a file'],
      ['symlink to a device', 'is a device, not a file'],
      ['symlink loop', 'cannot be opened (ELOOP)'],
      ['4 MiB + 1 byte', 'is 4194305 bytes; lbprov reads at most 4194304 from it'],
    ];
    count('special file', INVENTORY.length);
    it(`as the inventory: ${INVENTORY.length} kinds, each refused at once, the file named`, async () => {
      const problems: string[] = [];
      for (const [kind, says] of INVENTORY) {
        const started = performance.now();
        const result = await loadInventory(special[kind]!, SECRET_ENV);
        const ms = performance.now() - started;
        const error = result.errors[0];
        if (
          result.errors.length !== 1 ||
          error?.message !== says ||
          error.file !== special[kind] ||
          error.line !== 1
        )
          problems.push(`${kind}: ${JSON.stringify(result.errors)}`);
        if (ms > RATIO * baselineMs) problems.push(`${kind}: took ${ms.toFixed(1)} ms`);
        hygiene(result, problems, kind);
      }
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });

    const SSH_FILES: [kind: string, says: string | undefined][] = [
      ['fifo', 'is a named pipe, not a file'],
      ['device', 'is a device, not a file'],
      ['directory', 'is a directory, not a file'],
      ['socket', 'cannot be opened (ENXIO)'],
      ['symlink to a pipe', 'is a named pipe, not a file'],
      ['missing', undefined],
    ];
    for (const key of ['identity_file', 'known_hosts'] as const) {
      count('special file', SSH_FILES.length);
      it(`as ssh.${key}: ${SSH_FILES.length} kinds, refused before any connection, the key named`, async () => {
        const problems: string[] = [];
        const regular = join(dir, 'regular');
        writeFileSync(regular, 'not a key\n');
        for (const [kind, says] of SSH_FILES) {
          const path = special[kind]!;
          const settings =
            key === 'identity_file' ? { identity_file: path, known_hosts: regular } : { known_hosts: path };
          const started = performance.now();
          const found = await sshFileProblems([settings]);
          const ms = performance.now() - started;
          // A missing known_hosts is an empty one (accept-new creates it; strict then refuses every
          // host key): not an error. A missing identity_file is.
          const expected =
            says !== undefined
              ? [`ssh.${key}: ${path} ${says}`]
              : key === 'identity_file'
                ? [`ssh.${key}: ${path}: no such file`]
                : [];
          if (JSON.stringify(found) !== JSON.stringify(expected))
            problems.push(`${kind}: ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
          if (ms > RATIO * baselineMs) problems.push(`${kind}: took ${ms.toFixed(1)} ms`);
        }
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    // The reasons given for the files the inventory names are printed by validate and by every command
    // that connects (with --json twice): a path holding escapes is shown escaped, a huge one cut.
    it('a hostile identity_file path is shown escaped and cut', async () => {
      const found = await sshFileProblems([
        { identity_file: join(dir, 'x\u001b]0;pwned\u0007\u202e'), known_hosts: special.missing! },
        { identity_file: `/${LONG_VALUE}`, known_hosts: special.missing! },
      ]);
      expect(found).to.have.length(2);
      for (const problem of found) {
        expect(problem).not.to.match(UNSAFE_IN_FIELD);
        expect(longestRun(problem, LONG_CHAR)).to.be.at.most(MESSAGE_CAP);
      }
    });
  });

  describe('the real CLI, on a sample of each kind', function () {
    this.timeout(300_000);

    // One case per string payload and per wrong type, each in a different field, alternately with
    // the secrets inline and from the environment.
    const refusing = (variant: Variant, payload: Payload) =>
      layoutOf(variant).scalars.filter(
        (s) =>
          typeof s.value === 'string' &&
          acceptedBecause(s, payload) === undefined &&
          bugOf(s, payload) === undefined,
      );
    const samples = [...STRING_PAYLOADS, ...wrongTypes('text')];
    samples.forEach((payload, index) => {
      const variant = VARIANTS[index % 2]!;
      const fields = refusing(variant, payload);
      const slot = fields[(index * 5) % fields.length]!;
      const secret = SECRET_KEYS.has(slot.key);
      cliCases.push({
        name: `${payload.kind}: ${payload.name} in ${slot.key} (${variant})`,
        kind: payload.kind,
        command: 'validate',
        inventory: writeCase(`payload-${index}`, withValue(seed(variant), slot, payload.value(slot.value))),
        key: slot.key,
        line: slot.valueLine,
        json: true,
        ...(secret && payload.marker ? { neverShown: [payload.marker] } : {}),
      });
    });

    const envText = seed('secrets from the environment');
    const envSlots = layoutOf('secrets from the environment').scalars;
    const slotOf = (key: string) => envSlots.find((s) => s.key === key)!;
    const inlineSlot = (key: string) => layoutOf('secrets inline').scalars.find((s) => s.key === key)!;
    const BAD_SAMPLE: [string, string][] = [
      ['vrrp.vip', '0.0.0.0/24'],
      ['directors[0].host', '224.0.0.18'],
      ['directors[1].host', '255.255.255.255'],
      ['vrrp.vip', '192.168.56.0/24'],
      ['directors[1].host', '192.168.56.255'],
      ['verify.client', '127.0.0.1'],
    ];
    for (const [key, address] of BAD_SAMPLE) {
      cliCases.push({
        name: `bad address: ${key} ${address}`,
        kind: 'bad address',
        command: 'validate',
        inventory: writeCase(`address-${key}-${address}`, withValue(envText, slotOf(key), address)),
        key,
        line: slotOf(key).valueLine,
        json: false,
      });
    }

    const ssh1 = layoutOf('secrets from the environment').maps.find((m) => m.key === 'directors[1].ssh')!;
    const top = layoutOf('secrets from the environment').maps.find((m) => m.key === '')!;
    cliCases.push(
      {
        name: 'hostile key: OSC window title in directors[1].ssh',
        kind: 'hostile key',
        command: 'validate',
        inventory: writeCase(
          'key-osc',
          envText.slice(0, ssh1.offset) +
            `"\\e]0;pwned\\a": 1\n${' '.repeat(ssh1.indent)}` +
            envText.slice(ssh1.offset),
        ),
        key: 'directors[1].ssh.',
        line: ssh1.line,
        says: 'unknown key',
        json: true,
      },
      {
        name: 'hostile key: 100,000 characters at the top level',
        kind: 'hostile key',
        command: 'validate',
        inventory: writeCase(
          'key-long',
          envText.slice(0, top.offset) + `? ${LONG_VALUE}\n: 1\n` + envText.slice(top.offset),
        ),
        key: LONG_CHAR,
        line: top.line,
        says: 'unknown key',
        json: true,
      },
      {
        name: 'raw NUL byte in ssh.user',
        kind: 'raw byte',
        command: 'validate',
        inventory: writeCase('raw-nul', envText.replace('  user: root\n', '  user: ro\u0000ot\n')),
        key: 'ssh.user',
        line: slotOf('ssh.user').valueLine,
        json: true,
      },
      {
        name: 'raw ESC in vrrp.interface',
        kind: 'raw byte',
        command: 'validate',
        inventory: writeCase('raw-esc', envText.replace('interface: eth0 #', 'interface: eth0\u001b[2J #')),
        key: 'vrrp.interface',
        line: slotOf('vrrp.interface').valueLine,
        json: false,
      },
      {
        name: 'LBPROV_AUTH_PASS holding an OSC sequence',
        kind: 'environment',
        command: 'validate',
        inventory: writeCase('env-auth', envText),
        env: { LBPROV_AUTH_PASS: `${VRRP_SECRET}\u001b]0;pwned\u0007` },
        key: 'vrrp.auth_pass.env',
        line: slotOf('vrrp.auth_pass.env').valueLine,
        json: true,
        neverShown: ['pwned'],
      },
      {
        name: 'LBPROV_REDIS_PASSWORD of 100,000 characters',
        kind: 'environment',
        command: 'validate',
        inventory: writeCase('env-redis', envText),
        env: { LBPROV_REDIS_PASSWORD: `${REDIS_SECRET}${LONG_CHAR.repeat(100_000)}` },
        key: 'redis.password.env',
        line: slotOf('redis.password.env').valueLine,
        json: false,
        neverShown: [LONG_CHAR.repeat(4)],
      },
      {
        name: 'vrrp.auth_pass written as a number (an unquoted password)',
        kind: 'secret',
        command: 'validate',
        inventory: writeCase(
          'secret-number',
          withValue(seed('secrets inline'), inlineSlot('vrrp.auth_pass'), NUMBER_MARKER),
        ),
        key: 'vrrp.auth_pass',
        line: inlineSlot('vrrp.auth_pass').valueLine,
        json: true,
        neverShown: [String(NUMBER_MARKER)],
      },
      {
        name: 'redis.password written as a list holding the password',
        kind: 'secret',
        command: 'validate',
        inventory: writeCase(
          'secret-list',
          withValue(seed('secrets inline'), inlineSlot('redis.password'), [REDIS_SECRET]),
        ),
        key: 'redis.password',
        line: inlineSlot('redis.password').valueLine,
        json: true,
      },
      {
        name: 'flow mappings 20,000 levels deep',
        kind: 'structure',
        command: 'validate',
        inventory: writeCase('deep', `${envText}deep: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`),
        key: '',
        line: envText.split('\n').length,
        says: 'too deeply nested',
        json: true,
      },
      {
        name: 'an alias bomb',
        kind: 'structure',
        command: 'validate',
        inventory: writeCase(
          'bomb',
          `${envText}x0: &a0 [a,a,a,a,a,a,a,a,a,a]\n${Array.from({ length: 9 }, (_, i) => `x${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(',')}]`).join('\n')}\n`,
        ),
        key: '',
        says: 'alias',
        json: false,
      },
      {
        name: '3,000,000 characters in ssh.user',
        kind: 'structure',
        command: 'validate',
        inventory: writeCase('huge', withValue(envText, slotOf('ssh.user'), LONG_CHAR.repeat(3_000_000))),
        key: 'ssh.user',
        line: slotOf('ssh.user').valueLine,
        json: true,
      },
    );

    // apply stops at the same validation, on stderr (and as JSON events), before any connection.
    for (const [key, value] of [
      ['ssh.user', 'root\u001b]0;pwned\u0007'],
      ['directors[0].name', `lb1${LONG_VALUE}`],
    ] as const) {
      const slot = layoutOf('secrets inline').scalars.find((s) => s.key === key)!;
      cliCases.push({
        name: `apply --dry-run: ${key} ${JSON.stringify(value.slice(0, 20))}...`,
        kind: 'apply',
        command: 'apply',
        inventory: writeCase(`apply-${key}`, toTestNet(withValue(seed('secrets inline'), slot, value))),
        key,
        line: slot.valueLine,
        json: true,
      });
    }

    // Special files as the inventory (local-files.test.ts and validate-cli.test.ts run validate on a
    // pipe, /dev/zero, a directory and a missing file).
    const specialInventories: [string, (dir: string) => string, string][] = [
      [
        'a symlink to a named pipe',
        (d) => {
          execFileSync('mkfifo', [join(d, 'inv-pipe')]);
          symlinkSync(join(d, 'inv-pipe'), join(d, 'inv-to-pipe'));
          return join(d, 'inv-to-pipe');
        },
        'is a named pipe, not a file',
      ],
      [
        'a symlink to /dev/zero',
        (d) => {
          symlinkSync('/dev/zero', join(d, 'inv-to-zero'));
          return join(d, 'inv-to-zero');
        },
        'is a device, not a file',
      ],
      ['/dev/null', () => '/dev/null', 'is a device, not a file'],
      [
        'a symlink loop',
        (d) => {
          symlinkSync(join(d, 'inv-loop'), join(d, 'inv-loop'));
          return join(d, 'inv-loop');
        },
        'cannot be opened (ELOOP)',
      ],
      [
        '4 MiB + 1 byte',
        (d) => {
          writeFileSync(join(d, 'inv-huge.yaml'), `# ${'c'.repeat(4 * 1024 * 1024 - 2)}\n`);
          return join(d, 'inv-huge.yaml');
        },
        'is 4194305 bytes; lbprov reads at most 4194304',
      ],
    ];
    for (const [name, make, says] of specialInventories) {
      cliCases.push({
        name: `inventory: ${name}`,
        kind: 'special file',
        command: 'validate',
        inventory: make,
        says,
        json: false,
      });
    }

    // Special files as ssh.identity_file / ssh.known_hosts (local-files.test.ts: identity_file
    // /dev/zero, known_hosts a pipe and a directory). The lab inventory, on TEST-NET-2 addresses.
    const withSshFiles =
      (identity: (d: string) => string, knownHosts: (d: string) => string) => (d: string) => {
        writeFileSync(join(d, 'id-regular'), 'not a key\n');
        writeFileSync(join(d, 'kh-regular'), '');
        const file = join(d, `ssh-${Math.random().toString(36).slice(2)}.yaml`);
        writeFileSync(
          file,
          toTestNet(LAB)
            .replace('identity_file: ../lab/.run/id_ed25519', `identity_file: ${JSON.stringify(identity(d))}`)
            .replace('known_hosts: ../lab/.run/known_hosts', `known_hosts: ${JSON.stringify(knownHosts(d))}`),
        );
        return file;
      };
    const regularId = (d: string) => join(d, 'id-regular');
    const regularKh = (d: string) => join(d, 'kh-regular');
    const fifoIn = (d: string, name: string) => {
      execFileSync('mkfifo', [join(d, name)]);
      return join(d, name);
    };
    const SSH_CLI: [name: string, key: string, make: (d: string) => string, says: string][] = [
      [
        'identity_file a named pipe',
        'ssh.identity_file',
        withSshFiles((d) => fifoIn(d, 'id-pipe'), regularKh),
        'is a named pipe, not a file',
      ],
      [
        'identity_file a directory',
        'ssh.identity_file',
        withSshFiles((d) => d, regularKh),
        'is a directory, not a file',
      ],
      [
        'identity_file missing',
        'ssh.identity_file',
        withSshFiles((d) => join(d, 'no-such-key'), regularKh),
        ': no such file',
      ],
      [
        'known_hosts /dev/zero',
        'ssh.known_hosts',
        withSshFiles(regularId, () => '/dev/zero'),
        'is a device, not a file',
      ],
    ];
    for (const [name, key, make, says] of SSH_CLI) {
      cliCases.push({
        name: `apply --dry-run: ${name}`,
        kind: 'special file',
        command: 'apply',
        inventory: make,
        key,
        says,
        json: name.includes('pipe'),
      });
    }

    before(async function () {
      this.timeout(300_000);
      workDir = mkdtempSync(join(tmpdir(), 'lbprov-adversarial-cli-'));
      await ensureBuilt();
      const trivial = writeCase('trivial', seed('secrets from the environment'))(workDir);
      const warm = await runCli(['validate', trivial]);
      expect(warm.code, warm.stdout + warm.stderr).to.equal(0);
      cliBaselineMs = median(
        await Promise.all([1, 2, 3].map(() => runCli(['validate', trivial]).then((r) => r.ms))),
      );
      const queue = [...cliCases];
      let next = 0;
      const workers = Math.max(2, Math.min(4, availableParallelism()));
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < queue.length) {
            const c = queue[next]!;
            next += 1;
            cliRuns.set(c, await runCliCase(c));
          }
        }),
      );
    });
    after(() => {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    for (const c of cliCases) {
      it(`${c.command}${c.json ? ' (text and --json)' : ''}: ${c.name}: exit 4${c.key ? `, names ${c.key || 'the file'}` : ''}`, () => {
        const runs = cliRuns.get(c);
        expect(runs, 'the case did not run').to.not.equal(undefined);
        const problems = [
          ...checkCliRun(c, runs!.text, false, fileOf(c)),
          ...(runs!.json ? checkCliRun(c, runs!.json, true, fileOf(c)) : []),
        ];
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    // Issue 13 item 2: validate checks the files the inventory names the same way as apply (offline).
    it('validate refuses identity_file /dev/zero and a known_hosts pipe, naming the key', async () => {
      for (const [key, make] of [
        ['ssh.identity_file', withSshFiles(() => '/dev/zero', regularKh)],
        ['ssh.known_hosts', withSshFiles(regularId, (d) => fifoIn(d, 'kh-pipe'))],
      ] as const) {
        const run = await runCli(['validate', make(workDir)]);
        expect(run.signal, key).to.equal(null);
        expect(run.code, run.stdout).to.equal(4);
        expect(run.stdout).to.include(`error: ${key}:`);
      }
    });

    // A file named in a host's own ssh: is reported under that key, with its line: the inventory-wide
    // ssh: section, where the file may be fine, is not where the user must look.
    it('a special file in a per-host ssh override is reported under that host’s key', async () => {
      const make = (d: string) => {
        const fifo = fifoIn(d, 'override-pipe');
        const file = withSshFiles(regularId, regularKh)(d);
        writeFileSync(
          file,
          readFileSync(file, 'utf8').replace(
            '    state: BACKUP',
            `    state: BACKUP\n    ssh: { identity_file: ${fifo} }`,
          ),
        );
        return file;
      };
      const file = make(workDir);
      await refusedOffline(file);
      const run = await runCli(['apply', file, '--dry-run']);
      expect(run.code, run.stderr).to.equal(4);
      expect(run.stderr).to.include('directors[1].ssh.identity_file');
    });

    // The inventory's file name is escaped in validate's verdict and in apply's "run `lbprov validate
    // <file>`" as in every diagnostic: a file named $'inv\e]0;pwned\a.yaml' must not set the title.
    it('an inventory file name holding ESC, BEL and U+202E is shown escaped in every line', async () => {
      const file = join(workDir, 'inv\u001b]0;pwned\u0007\u202e.yaml');
      writeFileSync(
        file,
        toTestNet(seed('secrets from the environment')).replace('lb_algo: rr', 'lb_algo: bogus'),
      );
      for (const args of [
        ['validate', file],
        ['apply', file, '--dry-run'],
      ]) {
        const run = await runCli(args);
        expect(run.code).to.equal(4);
        expect(run.stdout + run.stderr).not.to.match(UNSAFE_IN_OUTPUT);
      }
    });

    // The keys named after Object.prototype members (above), through the CLI: exit 4, no internal error.
    it('validate on a key named constructor exits 4, not 70', async () => {
      const file = writeCase('proto', `constructor: 1\n${seed('secrets from the environment')}`)(workDir);
      const run = await runCli(['validate', file]);
      expect(run.code, run.stdout + run.stderr).to.equal(4);
      expect(run.stdout).to.include('unknown key "constructor"');
    });

    // A --limit pattern that selects no host is named in the error, escaped like any value.
    it('a --limit pattern holding ESC is shown escaped (exit 1)', async () => {
      const file = writeCase(
        'limit',
        toTestNet(LAB).replace('  identity_file: ../lab/.run/id_ed25519\n', ''),
      )(workDir);
      const run = await runCli(['apply', file, '--dry-run', '--limit', '\u001b]0;pwned\u0007']);
      expect(run.code).to.equal(1);
      expect(run.stderr).not.to.match(UNSAFE_IN_OUTPUT);
    });
  });

  after(() => {
    expect(existsSync(CANARY), `${CANARY} exists: an injected command ran`).to.equal(false);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const kinds = [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ');
    console.log(
      `      ${total} in-process cases (${kinds}); ${cliCases.length} CLI cases; trivial validation ${baselineMs.toFixed(2)} ms`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Helpers for the CLI section

function fileOf(c: CliCase): string {
  return writtenFiles.get(c) ?? '';
}

/** dist/ must hold what src/ says: build when it is missing or older than a source file. */
async function ensureBuilt(): Promise<void> {
  const main = join(REPO, 'dist', 'cli', 'main.js');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (!existsSync(main) || statSync(main).mtimeMs < newest(join(REPO, 'src'))) await buildOnce();
}
