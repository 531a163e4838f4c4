import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { FactValues } from '../../../src/facts/fact.js';
import type { FileState } from '../../../src/facts/files.js';
import type { HostFacts } from '../../../src/facts/host.js';
import type { ServiceState } from '../../../src/facts/system.js';
import {
  ArgsError,
  type Action,
  type Change,
  type CheckResult,
  type HostContext,
  type Module,
  type UndoRecord,
} from '../../../src/steps/types.js';

/**
 * Table-driven planning tests: a case gives a module's raw arguments, the parsed value of every fact
 * the module declares, and the host facts; it expects a status and, for changes, the description,
 * the kinds of actions and the undo records.
 */

export const DEBIAN: HostFacts = {
  osId: 'debian',
  osFamily: 'debian',
  osVersion: '12',
  init: 'systemd',
  packageManager: 'apt',
  networkScripts: false,
  ipvs: 'present',
  cpus: 2,
  kernel: '6.1.0-18-amd64',
};

export const RHEL: HostFacts = {
  osId: 'rocky',
  osFamily: 'rhel',
  osVersion: '9.3',
  init: 'systemd',
  packageManager: 'dnf',
  networkScripts: true,
  ipvs: 'present',
  cpus: 2,
  kernel: '5.14.0-362.el9.x86_64',
};

export function hostContext(
  overrides: Partial<HostFacts> = {},
  fetched: Record<string, string> = {},
): HostContext {
  return { name: 'lb1', facts: { ...DEBIAN, ...overrides }, fetched };
}

export function sha(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export const absent: FileState = { exists: false };

/** A regular file as fileFact parses it (content read, as for files under 1 MiB). */
export function file(
  content: string | Buffer,
  meta: { mode?: number; owner?: string; group?: string } = {},
): FileState {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return {
    exists: true,
    type: 'file',
    mode: meta.mode ?? 0o644,
    owner: meta.owner ?? 'root',
    group: meta.group ?? 'root',
    sha256: sha(bytes),
    content: bytes,
  };
}

/** A regular file read without content (too large, or a `content: false` fact). */
export function fileWithoutContent(sha256: string, mode = 0o644): FileState {
  return { exists: true, type: 'file', mode, owner: 'root', group: 'root', sha256 };
}

export function other(type: 'directory' | 'symlink' | 'other'): FileState {
  return {
    exists: true,
    type,
    mode: type === 'symlink' ? 0o777 : 0o755,
    owner: 'root',
    group: 'root',
    sha256: '-',
  };
}

export function service(running: boolean, enabled = false): ServiceState {
  return { running, enabled, installed: true };
}

/**
 * Fact values for exactly the facts the module declares: given as a list (in declaration order) or
 * keyed by fact key. A value for an undeclared fact, or a declared fact left without one, fails the
 * test; a module reading a fact it did not declare throws in `factValue`.
 */
export type Given = unknown[] | Record<string, unknown>;

export function declaredFacts<A>(module: Module<A>, args: A, given: Given): FactValues {
  const keys = [...new Set(module.facts(args).map((fact) => fact.key))];
  if (Array.isArray(given)) {
    expect(given.length, `values for the declared facts ${keys.join(', ') || '(none)'}`).to.equal(
      keys.length,
    );
    return new Map(keys.map((key, index) => [key, given[index]]));
  }
  expect(Object.keys(given).sort(), 'given facts must be exactly the declared ones').to.deep.equal(
    [...keys].sort(),
  );
  return new Map(Object.entries(given));
}

export type Expected =
  | { status: 'ok' | 'skip'; reason: string }
  | { status: 'fail'; reason: string; hint?: string }
  | {
      status: 'change';
      /** Fragments of the description, in any order. */
      description: string | string[];
      actions: Action['kind'][];
      undo: UndoRecord[];
      /** A fragment (or fragments) the diff must contain; null: no diff; absent: not checked. */
      diff?: string | string[] | null;
      /** Further checks on the change (scripts, written content). */
      more?: (change: Change) => void;
    };

export type StepCase =
  | {
      name: string;
      args: unknown;
      facts: Given;
      host?: Partial<HostFacts>;
      /** The host record's sha256 per fetched destination. */
      fetched?: Record<string, string>;
      expect: Expected;
    }
  /** Arguments the module must refuse, with a fragment of the message. */
  | { name: string; args: unknown; rejects: string };

/** A result for a failure message, with written content as text. */
function show(result: CheckResult): string {
  return JSON.stringify(
    result,
    (_key, value: unknown) =>
      value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer'
        ? Buffer.from((value as { data: number[] }).data).toString('utf8')
        : value,
    1,
  );
}

const fragments = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

export function checkCase<A>(module: Module<A>, row: StepCase): CheckResult | undefined {
  if ('rejects' in row) {
    expect(() => module.parseArgs(row.args)).to.throw(ArgsError, row.rejects);
    return undefined;
  }
  const args = module.parseArgs(row.args);
  const result = module.check(
    args,
    declaredFacts(module, args, row.facts),
    hostContext(row.host, row.fetched),
  );
  const wanted = row.expect;
  expect(result.status, show(result)).to.equal(wanted.status);
  if (result.status === 'change' && wanted.status === 'change') {
    const change = result.change;
    for (const fragment of fragments(wanted.description)) expect(change.description).to.include(fragment);
    expect(change.actions.map((action) => action.kind)).to.deep.equal(wanted.actions);
    expect(change.undo).to.deep.equal(wanted.undo);
    if (wanted.diff === null) expect(change.diff, 'no diff').to.equal(undefined);
    else if (wanted.diff !== undefined) {
      expect(change.diff, 'a diff').to.be.a('string');
      for (const fragment of fragments(wanted.diff)) expect(change.diff).to.include(fragment);
    }
    wanted.more?.(change);
  } else if (result.status === 'fail' && wanted.status === 'fail') {
    expect(result.reason).to.include(wanted.reason);
    if (wanted.hint !== undefined) expect(result.hint).to.include(wanted.hint);
  } else if ((result.status === 'ok' || result.status === 'skip') && 'reason' in wanted) {
    expect(result.reason).to.include(wanted.reason);
  }
  return result;
}

export function describeCases<A>(module: Module<A>, cases: StepCase[]): void {
  for (const row of cases) it(row.name, () => void checkCase(module, row));
}

/** The one action of a change, narrowed to its kind. */
export function onlyAction<K extends Action['kind']>(change: Change, kind: K): Extract<Action, { kind: K }> {
  expect(change.actions).to.have.length(1);
  const action = change.actions[0];
  expect(action?.kind).to.equal(kind);
  return action as Extract<Action, { kind: K }>;
}

export function shellScripts(change: Change): string[] {
  return change.actions.map((action) => (action.kind === 'shell' ? action.script : ''));
}
