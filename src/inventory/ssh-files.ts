import type { Inventory, SshSettings } from '../model/inventory.js';
import { readIdentity, readKnownHosts } from '../transport/ssh-files.js';
import { LocalFileError } from '../util/local-file.js';
import { clip, escapeUnprintable } from '../util/printable.js';
import { formatPath, type PathSegment } from './diagnostic.js';
import type { Finding } from './finding.js';
import type { InventoryFile } from './schema.js';

type SshFileKind = 'identity_file' | 'known_hosts';

/** A local file a connection reads, and the key of the inventory that names it. */
interface SshFileUse {
  path: PathSegment[];
  file: string;
  kind: SshFileKind;
  /** The inventory does not write the key: the OpenSSH config or lbprov's default chose the file. */
  unwritten?: boolean;
}

interface SshFileProblem extends Finding {
  /** Only a key can be missing: a known_hosts that does not exist yet is an empty one. */
  missing: boolean;
}

/** What reading one file found wrong, or undefined when a connection could read it. */
type ReadOutcome = { message: string; missing: boolean } | undefined;

/** The connection's own readers, so that the inventory is held to the limits a connection applies. */
const READERS: Record<SshFileKind, (file: string) => Promise<unknown>> = {
  identity_file: readIdentity,
  known_hosts: readKnownHosts,
};

/**
 * Longer than any path a person types: a longer one is cut, and a path's terminal escapes are
 * shown escaped, since whatever a path holds is printed by every command that connects.
 */
const SHOWN_PATH_CHARACTERS = 200;

/** The files one host's connection reads; `keyOf` says which key of the inventory names each. */
export function sshFileUses(
  ssh: Pick<SshSettings, 'identity_file' | 'known_hosts'>,
  keyOf: (kind: SshFileKind) => { path: PathSegment[]; unwritten?: boolean },
): SshFileUse[] {
  const kinds: SshFileKind[] =
    ssh.identity_file === undefined ? ['known_hosts'] : ['identity_file', 'known_hosts'];
  return kinds.map((kind) => ({ ...keyOf(kind), file: ssh[kind]!, kind }));
}

/**
 * Every file the hosts' connections read, named by the key a user would edit: the host's own ssh:
 * override when it sets the key, else the inventory-wide ssh: section.
 */
export function inventorySshFiles(data: InventoryFile, inventory: Inventory): SshFileUse[] {
  const hosts: { ssh: SshSettings; at: PathSegment[]; own?: Partial<Record<SshFileKind, string>> }[] = [
    ...inventory.directors.map((d, i) => ({ ssh: d.ssh, at: ['directors', i], own: data.directors[i]?.ssh })),
    ...inventory.real_servers.map((r, i) => ({
      ssh: r.ssh,
      at: ['real_servers', i],
      own: data.real_servers[i]?.ssh,
    })),
    ...(inventory.verify ? [{ ssh: inventory.verify.ssh, at: [] }] : []),
  ];
  return hosts.flatMap(({ ssh, at, own }) =>
    sshFileUses(ssh, (kind) =>
      own?.[kind] !== undefined
        ? { path: [...at, 'ssh', kind] }
        : { path: ['ssh', kind], ...(data.ssh[kind] === undefined ? { unwritten: true } : {}) },
    ),
  );
}

/**
 * Reads each file once, as a connection would, before any connection: what cannot be read is a
 * mistake in the inventory, reported under the key that names it, not a host's fault. A key named
 * for many hosts is reported once.
 */
export async function sshFileProblems(uses: readonly SshFileUse[]): Promise<SshFileProblem[]> {
  const unique = new Map<string, SshFileUse>();
  for (const use of uses) unique.set(`${formatPath(use.path)}\0${use.file}`, use);
  const outcomes = new Map<string, ReadOutcome>();
  const problems: SshFileProblem[] = [];
  // One file after another: thousands of hosts may each name their own, more than may be open at once.
  for (const use of unique.values()) {
    const read = `${use.kind}\0${use.file}`;
    if (!outcomes.has(read)) outcomes.set(read, await readProblem(use));
    const outcome = outcomes.get(read);
    if (outcome === undefined) continue;
    const { message, missing } = outcome;
    problems.push({ path: use.path, message, hint: hintFor(use, missing), missing });
  }
  return problems;
}

function hintFor(use: SshFileUse, missing: boolean): string {
  if (use.unwritten) {
    const chosenBy =
      use.kind === 'identity_file'
        ? "the OpenSSH config's IdentityFile"
        : "the OpenSSH config's UserKnownHostsFile or lbprov's default, ~/.ssh/known_hosts,";
    return `the inventory does not set ${use.kind}: ${chosenBy} names this file; set ssh.${use.kind} to use another`;
  }
  if (use.kind === 'known_hosts') {
    return 'name a regular file lbprov can read, or one that does not exist yet (host_key_policy: accept-new creates it)';
  }
  return missing
    ? 'lbprov reads the key before it connects; name an existing private key, or leave identity_file out to use ssh-agent'
    : 'name the private key, a regular file lbprov can read';
}

async function readProblem(use: SshFileUse): Promise<ReadOutcome> {
  const shown = clip(escapeUnprintable(use.file), SHOWN_PATH_CHARACTERS);
  try {
    await READERS[use.kind](use.file);
    return undefined;
  } catch (error) {
    if (error instanceof LocalFileError) return { message: `${shown} ${error.reason}`, missing: false };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { message: `${shown}: no such file`, missing: true };
    const why = code ?? clip(escapeUnprintable((error as Error).message));
    return { message: `${shown} cannot be read (${why})`, missing: false };
  }
}
