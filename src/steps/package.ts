import { z } from 'zod';
import { factValue } from '../facts/fact.js';
import { packagesFact } from '../facts/system.js';
import { shellQuote } from '../util/shell.js';
import { parseArgs } from './args.js';
import type { Module } from './types.js';

const packageName = z.string().regex(/^[a-z0-9][a-z0-9+.:_-]*$/, 'must be a package name');

const schema = z
  .object({
    apt: z.array(packageName).default([]),
    dnf: z.array(packageName).default([]),
  })
  .strict();

type PackageArgs = z.output<typeof schema>;

export function installScript(manager: 'apt' | 'dnf' | 'yum', names: string[]): string {
  const list = names.map(shellQuote).join(' ');
  if (manager === 'apt') {
    // A fresh host may have empty package lists; update once only when the first try fails.
    return [
      'export DEBIAN_FRONTEND=noninteractive',
      `apt-get install -y -q --no-install-recommends ${list} || { apt-get update -q && apt-get install -y -q --no-install-recommends ${list}; }`,
    ].join('\n');
  }
  return `${manager} install -y -q ${list}`;
}

/** Packages installed with the host's package manager, only those missing; destroy knows which. */
export const packageModule: Module<PackageArgs> = {
  name: 'package',
  parseArgs: (raw) => parseArgs('package', schema, raw),
  facts: (args) => [packagesFact([...new Set([...args.apt, ...args.dnf])])],
  check(args, facts, host) {
    const manager = host.facts.packageManager;
    if (manager === 'none') {
      return {
        status: 'fail',
        reason: 'this host has neither apt-get, dnf nor yum',
        hint: `install ${[...args.apt].join(' ')} by hand`,
      };
    }
    const wanted = manager === 'apt' ? args.apt : args.dnf;
    const installed = factValue(facts, packagesFact([...new Set([...args.apt, ...args.dnf])]));
    const missing = wanted.filter((name) => !installed.has(name));
    if (missing.length === 0) return { status: 'ok', reason: `${wanted.join(', ')} installed` };
    return {
      status: 'change',
      change: {
        description: `install ${missing.join(' ')} with ${manager}`,
        actions: [
          {
            kind: 'shell',
            description: `install ${missing.join(' ')}`,
            script: installScript(manager, missing),
          },
        ],
        undo: [
          { kind: 'remove_packages', resource: `packages:${missing.join(',')}`, manager, packages: missing },
        ],
      },
    };
  },
};
