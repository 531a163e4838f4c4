import { expect } from 'chai';
import { packageModule } from '../../../src/steps/package.js';
import { describeCases, onlyAction, type StepCase } from './support.js';

const redis = { apt: ['redis-server'], dnf: ['redis'] };
const deps = {
  apt: ['gcc', 'make', 'libssl-dev', 'libnl-3-dev'],
  dnf: ['gcc', 'make', 'openssl-devel', 'libnl3-devel'],
};
const installed = (...names: string[]) => new Set(names);
const removal = (manager: 'apt' | 'dnf' | 'yum', packages: string[]) => ({
  kind: 'remove_packages' as const,
  resource: `packages:${packages.join(',')}`,
  manager,
  packages,
});

const cases: StepCase[] = [
  {
    name: 'apt host, all installed: ok',
    args: redis,
    facts: [installed('redis-server')],
    expect: { status: 'ok', reason: 'redis-server installed' },
  },
  {
    name: 'apt host, missing: apt-get install (non-interactive, update only on failure); undo removes it',
    args: redis,
    facts: [installed()],
    expect: {
      status: 'change',
      description: 'install redis-server with apt',
      actions: ['shell'],
      undo: [removal('apt', ['redis-server'])],
      diff: null,
      more(change) {
        const { script } = onlyAction(change, 'shell');
        expect(script).to.include('export DEBIAN_FRONTEND=noninteractive');
        expect(script).to.include(
          "apt-get install -y -q --no-install-recommends 'redis-server' || { apt-get update -q && apt-get install",
        );
      },
    },
  },
  {
    name: 'apt host: the dnf names are not asked for (redis installed under its rpm name means nothing here)',
    args: redis,
    facts: [installed('redis')],
    expect: {
      status: 'change',
      description: 'install redis-server with apt',
      actions: ['shell'],
      undo: [removal('apt', ['redis-server'])],
    },
  },
  {
    name: 'dnf host uses the dnf list',
    args: redis,
    facts: [installed()],
    host: { osFamily: 'rhel', packageManager: 'dnf' },
    expect: {
      status: 'change',
      description: 'install redis with dnf',
      actions: ['shell'],
      undo: [removal('dnf', ['redis'])],
      more: (change) => expect(onlyAction(change, 'shell').script).to.equal("dnf install -y -q 'redis'"),
    },
  },
  {
    name: 'yum host (older Red Hat) uses the dnf list with yum',
    args: redis,
    facts: [installed()],
    host: { osFamily: 'rhel', packageManager: 'yum' },
    expect: {
      status: 'change',
      description: 'install redis with yum',
      actions: ['shell'],
      undo: [removal('yum', ['redis'])],
      more: (change) => expect(onlyAction(change, 'shell').script).to.equal("yum install -y -q 'redis'"),
    },
  },
  {
    name: 'dnf host, installed: ok',
    args: redis,
    facts: [installed('redis')],
    host: { osFamily: 'rhel', packageManager: 'dnf' },
    expect: { status: 'ok', reason: 'redis installed' },
  },
  {
    name: 'some installed: only the missing ones are installed, and only they are undone',
    args: deps,
    facts: [installed('gcc', 'make')],
    expect: {
      status: 'change',
      description: 'install libssl-dev libnl-3-dev with apt',
      actions: ['shell'],
      undo: [removal('apt', ['libssl-dev', 'libnl-3-dev'])],
      more(change) {
        const { script } = onlyAction(change, 'shell');
        expect(script).to.include("'libssl-dev' 'libnl-3-dev'");
        expect(script).not.to.include("'gcc'");
      },
    },
  },
  {
    name: 'names shared by both lists are asked once, in one fact',
    args: { apt: ['gcc', 'make'], dnf: ['make', 'gcc'] },
    facts: { 'packages:gcc,make': installed('gcc', 'make') },
    expect: { status: 'ok', reason: 'gcc, make installed' },
  },
  {
    name: 'no package manager: fail, naming what to install by hand',
    args: redis,
    facts: [installed()],
    host: { osFamily: 'other', packageManager: 'none' },
    expect: {
      status: 'fail',
      reason: 'this host has neither apt-get, dnf nor yum',
      hint: 'install redis-server by hand',
    },
  },
  {
    name: 'no package manager even when everything looks installed: fail (nothing to manage with)',
    args: redis,
    facts: [installed('redis-server', 'redis')],
    host: { packageManager: 'none' },
    expect: { status: 'fail', reason: 'neither apt-get, dnf nor yum' },
  },
  { name: 'a package name with a space is refused', args: { apt: ['redis server'] }, rejects: 'apt.0' },
  { name: 'a package name with a quote is refused', args: { dnf: ["redis'"] }, rejects: 'dnf.0' },
  { name: 'an unknown manager list is refused', args: { yum: ['redis'] }, rejects: 'yum' },
];

describe('steps: package', () => {
  describeCases(packageModule, cases);
});
