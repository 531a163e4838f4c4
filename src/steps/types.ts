import type { Fact, FactValues } from '../facts/fact.js';
import type { HostFacts } from '../facts/host.js';

/** A root shell script; a non-zero exit fails the step with the script's output. */
export interface ShellAction {
  kind: 'shell';
  description: string;
  script: string;
  /** The output must match, whatever the exit code (configure's "Use IPVS Framework : Yes"). */
  expectOutput?: OutputExpectation;
}

export interface OutputExpectation {
  pattern: string;
  meaning: string;
}

/** What the engine does on a host to make a change. Actions are data: the engine runs them. */
export type Action =
  | ShellAction
  /**
   * Compiles and installs a program by running `steps`, unless this run already compiled the same
   * steps on a host of the same platform: then that host's installed files are unpacked here, and
   * `verify` must accept them or the steps run after all. The engine records `binary`'s checksum.
   */
  | {
      kind: 'build';
      subject: string;
      steps: ShellAction[];
      verify: { command: string; expect: OutputExpectation[] };
      installedPaths: string[];
      binary: string;
    }
  /**
   * Atomic write: staged upload, mode and owner set on a temp file beside the target, optional
   * validation of the temp file (`{}` stands for its path), then rename over the target.
   */
  | {
      kind: 'write_file';
      path: string;
      content: Buffer;
      mode: number;
      owner: string;
      group: string;
      validate?: string;
    }
  /**
   * A source tarball to `dest`: the host downloads it, or lbprov does (once per run) and uploads it
   * (for hosts without a route out). Checked against `expected` before it reaches `dest`; the engine
   * records the sha256 of what it fetched, which later runs expect when the inventory pins none.
   */
  | {
      kind: 'fetch';
      via: 'host' | 'control';
      url: string;
      dest: string;
      expected?: { sha256: string; from: 'inventory' | 'record' };
    }
  /**
   * Keeps a copy (file or whole folder) of what is at `path` before a command overwrites it, once:
   * the first copy is the original. The change's undo says `restore_path` for the same path.
   */
  | { kind: 'backup_path'; path: string };

/**
 * What destroy will do to take a change back, recorded on the host when the change is applied.
 * `resource` names the thing changed: the first record for a resource wins, so undo restores what
 * was there before lbprov, not an intermediate version.
 */
export type UndoRecord =
  | { kind: 'remove_file'; resource: string; path: string }
  | { kind: 'restore_file'; resource: string; path: string }
  | { kind: 'remove_tree'; resource: string; path: string }
  /** What a command overwrote (a file or a folder), put back from the copy a `backup_path` action kept. */
  | { kind: 'restore_path'; resource: string; path: string }
  /** A folder a change created on the way to its file: removed once empty, kept if anything else is in it. */
  | { kind: 'remove_dir'; resource: string; path: string }
  | { kind: 'shell'; resource: string; description: string; script: string }
  | { kind: 'remove_packages'; resource: string; manager: 'apt' | 'dnf' | 'yum'; packages: string[] };

export interface Change {
  /** One line, imperative: "set net.ipv4.ip_forward to 1". */
  description: string;
  /** Unified diff for file content changes. */
  diff?: string;
  actions: Action[];
  undo: UndoRecord[];
}

export type CheckResult =
  | { status: 'ok'; reason: string }
  /** Not applicable on this host (e.g. network-scripts files on a Debian host), with the reason. */
  | { status: 'skip'; reason: string }
  | { status: 'change'; change: Change }
  /** The host cannot be brought to the wanted state; the step fails before anything is changed. */
  | { status: 'fail'; reason: string; hint: string };

export interface HostContext {
  /** The host's label. */
  name: string;
  facts: HostFacts;
  /** sha256 of each source lbprov fetched on this host, by destination (from the host record). */
  fetched: Readonly<Record<string, string>>;
}

/** A built-in module: validated arguments, the facts it reads, and a pure check. */
export interface Module<Args> {
  readonly name: string;
  /** Validates raw playbook arguments; throws ArgsError naming the bad argument. */
  parseArgs(raw: unknown): Args;
  facts(args: Args): Fact<unknown>[];
  check(args: Args, facts: FactValues, host: HostContext): CheckResult;
}

export class ArgsError extends Error {}
