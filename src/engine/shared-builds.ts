import { createHash } from 'node:crypto';
import { shellQuote } from '../util/shell.js';

/** A build's installed files, packed on the host that compiled them, for the run's other hosts. */
export interface BuildArtifact {
  /** The host that compiled it. */
  builtOn: string;
  /** `tar -cz` of the installed paths, relative to /. */
  archive: Buffer;
  /** sha256 of the program the build exists for (keepalived, ipvsadm). */
  binarySha256: string;
}

/** The largest packed build lbprov carries between hosts (keepalived's whole prefix is ~2 MiB). */
export const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;

/**
 * Compile once per run: the first host of a platform to need a build compiles it and hands its
 * installed files to every later host of the same platform that needs the same build. A host that
 * finds the build under way waits for it rather than compiling in parallel; when that build fails,
 * the next host to need it compiles it itself.
 */
export class SharedBuilds {
  private readonly builds = new Map<string, Promise<BuildArtifact | undefined>>();

  /** What identifies a build: the exact commands (version, options, patches) and the platform. */
  static key(commands: readonly string[], platform: string): string {
    return createHash('sha256')
      .update(JSON.stringify([platform, ...commands]))
      .digest('hex');
  }

  /**
   * The artifact of a build of `key` this run made or is making, once it is done; `undefined` when
   * none was started or the one started failed. Otherwise the caller is now the one building it
   * and must settle it with `finish`.
   */
  async claim(
    key: string,
  ): Promise<{ artifact: BuildArtifact } | { finish(artifact?: BuildArtifact): void }> {
    for (;;) {
      const pending = this.builds.get(key);
      if (!pending) break;
      const artifact = await pending;
      if (artifact) return { artifact };
      // The build failed where it ran: forget it, so exactly one waiting host tries next.
      if (this.builds.get(key) === pending) this.builds.delete(key);
    }
    let finish!: (artifact?: BuildArtifact) => void;
    this.builds.set(key, new Promise((resolve) => (finish = resolve)));
    return { finish };
  }
}

/** Marks the lines of a pack script's output lbprov reads; the archive follows as base64. */
const BINARY_SHA256_PREFIX = 'lbprov-binary-sha256=';
const ARCHIVE_MARKER = 'lbprov-archive-base64';

/** Relative to /, as tar stores them, so the archive unpacks into the same places anywhere. */
function relativeToRoot(paths: readonly string[]): string {
  return paths.map((path) => shellQuote(path.replace(/^\/+/, ''))).join(' ');
}

/** Packs the installed paths of a finished build and reports its binary's checksum. */
export function packScript(installedPaths: readonly string[], binary: string): string {
  return [
    'set -e',
    `sum=$(sha256sum ${shellQuote(binary)})`,
    `echo "${BINARY_SHA256_PREFIX}\${sum%% *}"`,
    `echo ${ARCHIVE_MARKER}`,
    `tar -C / -czf - ${relativeToRoot(installedPaths)} | base64 -w 0`,
    'echo',
  ].join('\n');
}

export function parsePackOutput(output: string): { archive: Buffer; binarySha256: string } | undefined {
  const binarySha256 = new RegExp(`^${BINARY_SHA256_PREFIX}([0-9a-f]{64})$`, 'm').exec(output)?.[1];
  const at = output.indexOf(`${ARCHIVE_MARKER}\n`);
  if (binarySha256 === undefined || at < 0) return undefined;
  const encoded = output.slice(at + ARCHIVE_MARKER.length + 1).trim();
  if (encoded.length === 0 || !/^[A-Za-z0-9+/]+=*$/.test(encoded)) return undefined;
  return { archive: Buffer.from(encoded, 'base64'), binarySha256 };
}

/** Unpacks a shipped build over / from the staged archive, then removes the archive. */
export function unpackScript(stagedArchive: string): string {
  const staged = shellQuote(stagedArchive);
  return ['set -e', `trap 'rm -f ${staged}' EXIT`, `tar -C / -xzf ${staged}`].join('\n');
}

/** The binary's checksum after a build or an unpack, as the host record keeps it. */
export function binarySha256Script(binary: string): string {
  return `sum=$(sha256sum ${shellQuote(binary)}) && echo "${BINARY_SHA256_PREFIX}\${sum%% *}"`;
}

export function parseBinarySha256(output: string): string | undefined {
  return new RegExp(`^${BINARY_SHA256_PREFIX}([0-9a-f]{64})$`, 'm').exec(output)?.[1];
}
