import { createHash, randomBytes } from 'node:crypto';
import { dirname, basename } from 'node:path';
import type { Transport } from '../transport/types.js';
import type { Action } from '../steps/types.js';
import { shellQuote } from '../util/shell.js';
import { backupPathFor, STAGE_DIR } from './record.js';
import { downloadScript, FETCHED_SHA256_PREFIX, MAX_SOURCE_BYTES } from '../steps/fetch.js';
import { factValue } from '../facts/fact.js';
import { buildPlatformFact } from '../facts/platform.js';
import { gather } from './gather.js';
import {
  binarySha256Script,
  MAX_ARTIFACT_BYTES,
  packScript,
  parseBinarySha256,
  parsePackOutput,
  SharedBuilds,
  unpackScript,
  type BuildArtifact,
} from './shared-builds.js';
import { ThrottledProgress } from './progress.js';

/** A failed action: what ran, what it said, what to do. */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly output: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Staged upload + root script: temp file beside the target, mode/owner, validation, backup, rename. */
export async function writeFileAtomically(
  transport: Transport,
  file: { path: string; content: Buffer; mode: number; owner: string; group: string; validate?: string },
  backup: boolean,
): Promise<void> {
  const stage = `${STAGE_DIR}/${randomBytes(8).toString('hex')}`;
  await transport.upload(stage, file.content);
  const dest = shellQuote(file.path);
  const dir = shellQuote(dirname(file.path));
  const tmpName = `.lbprov-tmp-${basename(file.path)}`;
  const lines = [
    'set -e',
    'umask 077',
    `tmp=${dir}/${shellQuote(tmpName)}.$$`,
    `trap 'rm -f "$tmp" ${shellQuote(stage)}' EXIT`,
    `mkdir -p ${dir}`,
    `cat ${shellQuote(stage)} > "$tmp"`,
    `chown ${shellQuote(`${file.owner}:${file.group}`)} "$tmp"`,
    `chmod ${file.mode.toString(8).padStart(4, '0')} "$tmp"`,
    'sync "$tmp" 2>/dev/null || true',
  ];
  if (file.validate) {
    const command = file.validate.split('{}').join('"$tmp"');
    lines.push(
      `if ! out=$( ${command} 2>&1 ); then printf '%s\\n' "$out"; echo ${shellQuote(`the new ${file.path} was refused by: ${file.validate}; the old file is unchanged`)} >&2; exit 1; fi`,
    );
  }
  if (backup) {
    const saved = shellQuote(backupPathFor(file.path));
    lines.push(
      `if [ -e ${dest} ] && [ ! -e ${saved} ]; then mkdir -p "$(dirname ${saved})"; cp -p ${dest} ${saved}; fi`,
    );
  }
  lines.push(`mv -f "$tmp" ${dest}`);
  const script = lines.join('\n');
  const result = await transport.exec(script);
  if (result.code !== 0) {
    throw new ActionError(
      `writing ${file.path} failed`,
      `write ${file.path}${file.validate ? ` (validated by ${file.validate})` : ''}`,
      `${result.stdout}${result.stderr}`,
      file.validate
        ? 'fix the inventory value the validator refused, then apply again'
        : `check that ${dirname(file.path)} is writable`,
    );
  }
}

/** Downloads on the control side once per run and URL, shared by every host that needs the file. */
export class ControlDownloads {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(private readonly maxBytes = MAX_SOURCE_BYTES) {}

  get(url: string): Promise<Buffer> {
    let pending = this.cache.get(url);
    if (!pending) {
      pending = (async () => {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
        return readCapped(response, url, this.maxBytes);
      })();
      this.cache.set(url, pending);
    }
    return pending;
  }
}

/** The body, read as it arrives and abandoned as soon as it passes `max` bytes. */
async function readCapped(response: Response, url: string, max: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`${url} serves more than ${max} bytes: not a source tarball`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

interface ActionContext {
  transport: Transport;
  downloads: ControlDownloads;
  builds: SharedBuilds;
  /** Whether a file write must first keep a copy of what it replaces. */
  needsBackup(path: string): boolean;
  /** Told the last line of a long shell action's output now and then, while it runs. */
  progress?: (line: string) => void;
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n').trim();
}

/** What a fetch action brought to the host, for the record. */
export interface Fetched {
  kind: 'fetched';
  dest: string;
  sha256: string;
}

/** What a build action installed on the host, for the record. */
export interface Built {
  kind: 'built';
  subject: string;
  binary: string;
  sha256: string;
  /** The host that compiled it: this one, or the one whose build was shipped here. */
  builtOn: string;
  /** Why a build shipped from another host was not used, when it was not. */
  notUsed?: string;
}

type FetchAction = Extract<Action, { kind: 'fetch' }>;
type BuildAction = Extract<Action, { kind: 'build' }>;

export async function runAction(
  action: Action,
  context: ActionContext,
): Promise<Fetched | Built | undefined> {
  switch (action.kind) {
    case 'shell': {
      const progress = context.progress ? new ThrottledProgress(context.progress) : undefined;
      const result = await context.transport
        .exec(action.script, progress ? { onOutput: progress.output } : {})
        .finally(() => progress?.end());
      if (result.code !== 0) {
        throw new ActionError(
          `${action.description} failed (exit code ${result.code})`,
          action.script,
          tail(`${result.stdout}\n${result.stderr}`),
          'read the output above; fix the cause on the host or in the inventory, then apply again (finished steps are skipped)',
        );
      }
      if (action.expectOutput && !new RegExp(action.expectOutput.pattern, 'm').test(result.stdout)) {
        throw new ActionError(
          `${action.description}: refused: ${action.expectOutput.meaning}`,
          action.script,
          tail(result.stdout),
          'install the missing headers or libraries the output names, then apply again',
        );
      }
      return;
    }
    case 'write_file':
      await writeFileAtomically(context.transport, action, context.needsBackup(action.path));
      return;
    case 'backup_path': {
      if (!context.needsBackup(action.path)) return;
      const path = shellQuote(action.path);
      const saved = shellQuote(backupPathFor(action.path));
      // -a keeps modes, owners, times and links, so a restore gives back exactly this.
      const script = `if [ -e ${path} ] && [ ! -e ${saved} ]; then mkdir -p "$(dirname ${saved})" && cp -a ${path} ${saved}; fi`;
      const result = await context.transport.exec(script);
      if (result.code !== 0) {
        throw new ActionError(
          `keeping a copy of ${action.path} before it is overwritten failed`,
          script,
          tail(`${result.stdout}\n${result.stderr}`),
          `check the free space for ${backupPathFor(action.path)}, then apply again`,
        );
      }
      return;
    }
    case 'fetch':
      return action.via === 'control' ? fetchOnControl(action, context) : fetchOnHost(action, context);
    case 'build':
      return runBuild(action, context);
  }
}

/**
 * Installs the build another host of the same platform compiled this run, or compiles it here
 * (and packs what it installed for the hosts after this one).
 */
async function runBuild(action: BuildAction, context: ActionContext): Promise<Built> {
  const { transport } = context;
  const platform = factValue(await gather(transport, [buildPlatformFact]), buildPlatformFact);
  const claim = platform
    ? await context.builds.claim(
        SharedBuilds.key(
          action.steps.map((step) => step.script),
          platform,
        ),
      )
    : undefined;
  let notUsed: string | undefined;
  if (claim && 'artifact' in claim) {
    notUsed = await installShipped(action, claim.artifact, transport);
    if (notUsed === undefined) {
      return { ...builtRecord(action, claim.artifact.binarySha256), builtOn: claim.artifact.builtOn };
    }
  }
  const finish = claim && 'finish' in claim ? claim.finish : undefined;
  let artifact: BuildArtifact | undefined;
  try {
    for (const step of action.steps) await runAction(step, context);
    const packed = finish
      ? await transport.exec(packScript(action.installedPaths, action.binary))
      : undefined;
    const contents = packed?.code === 0 ? parsePackOutput(packed.stdout) : undefined;
    if (contents && contents.archive.length <= MAX_ARTIFACT_BYTES) {
      artifact = { builtOn: transport.host, ...contents };
    }
  } finally {
    // Settled whatever happened: a host waiting for this build compiles its own when it failed.
    finish?.(artifact);
  }
  const sha256 = artifact?.binarySha256 ?? (await readBinarySha256(action, transport));
  return { ...builtRecord(action, sha256), builtOn: transport.host, ...(notUsed ? { notUsed } : {}) };
}

function builtRecord(action: BuildAction, sha256: string): Omit<Built, 'builtOn'> {
  return { kind: 'built', subject: action.subject, binary: action.binary, sha256 };
}

/** Unpacks a shipped build and checks it as the step's own check would; why not, when it fails. */
async function installShipped(
  action: BuildAction,
  artifact: BuildArtifact,
  transport: Transport,
): Promise<string | undefined> {
  const staged = `${STAGE_DIR}/${randomBytes(8).toString('hex')}.tar.gz`;
  await transport.upload(staged, artifact.archive);
  const unpacked = await transport.exec(unpackScript(staged));
  if (unpacked.code !== 0) {
    return `unpacking it failed: ${tail(`${unpacked.stdout}\n${unpacked.stderr}`, 3)}`;
  }
  const checked = await transport.exec(`${action.verify.command}\n${binarySha256Script(action.binary)}`);
  const missing = action.verify.expect.filter((e) => !new RegExp(e.pattern, 'm').test(checked.stdout));
  if (missing.length > 0) return missing.map((e) => e.meaning).join('; ');
  if (parseBinarySha256(checked.stdout) !== artifact.binarySha256)
    return `${action.binary} differs from the one built`;
  return undefined;
}

async function readBinarySha256(action: BuildAction, transport: Transport): Promise<string> {
  const result = await transport.exec(binarySha256Script(action.binary));
  const sha256 = parseBinarySha256(result.stdout);
  if (sha256 === undefined) {
    throw new ActionError(
      `${action.subject} was built, but ${action.binary} is not there`,
      binarySha256Script(action.binary),
      tail(`${result.stdout}\n${result.stderr}`),
      'the build installs its program somewhere else: report this as a bug in lbprov',
    );
  }
  return sha256;
}

async function fetchOnHost(action: FetchAction, context: ActionContext): Promise<Fetched> {
  const script = downloadScript(action.url, action.dest, action.expected?.sha256);
  const result = await context.transport.exec(script);
  const fetched = new RegExp(`^${FETCHED_SHA256_PREFIX}([0-9a-f]{64})$`, 'm').exec(result.stdout)?.[1];
  if (fetched !== undefined) refuseUnexpected(action, fetched);
  if (result.code !== 0 || fetched === undefined) {
    throw new ActionError(
      `download ${action.url} failed (exit code ${result.code})`,
      script,
      tail(`${result.stdout}\n${result.stderr}`),
      'check the URL in the inventory and that the host reaches it (or set fetch: control)',
    );
  }
  return { kind: 'fetched', dest: action.dest, sha256: fetched };
}

async function fetchOnControl(action: FetchAction, context: ActionContext): Promise<Fetched> {
  let content: Buffer;
  try {
    content = await context.downloads.get(action.url);
  } catch (error) {
    throw new ActionError(
      `lbprov could not download ${action.url}`,
      `download ${action.url} (on this machine)`,
      (error as Error).message,
      'check the URL in the inventory, and that this machine can reach it',
    );
  }
  const fetched = createHash('sha256').update(content).digest('hex');
  refuseUnexpected(action, fetched);
  await writeFileAtomically(
    context.transport,
    { path: action.dest, content, mode: 0o644, owner: 'root', group: 'root' },
    context.needsBackup(action.dest),
  );
  return { kind: 'fetched', dest: action.dest, sha256: fetched };
}

/**
 * A tarball other than the one expected is never built. Without a sha256 in the inventory, the
 * first tarball lbprov fetched to a destination is the one expected there later (trust on first
 * use, as ssh does with host keys): a changed tarball for the same version is refused until the
 * inventory pins it.
 */
function refuseUnexpected(action: FetchAction, fetched: string): void {
  const expected = action.expected;
  if (!expected || fetched === expected.sha256) return;
  const where = `download ${action.url} to ${action.dest}`;
  if (expected.from === 'inventory') {
    throw new ActionError(
      `${action.url} is not the tarball the inventory pins (sha256 ${fetched}, the inventory wants ${expected.sha256})`,
      where,
      '',
      'check the URL and the sha256 in the inventory',
    );
  }
  throw new ActionError(
    `${action.url} is not the tarball lbprov fetched to ${action.dest} on this host before ` +
      `(sha256 ${fetched}, recorded ${expected.sha256}): a changed tarball for the same version is refused`,
    where,
    '',
    `if the new tarball is expected, pin it: sha256: ${fetched} for this source in the inventory`,
  );
}
