import { expect } from 'chai';
import { buildModule } from '../../../src/steps/build.js';
import type { Change } from '../../../src/steps/types.js';
import { describeCases, type StepCase } from './support.js';

const PREFIX = '/usr/local/keepalived';
const BIN = `${PREFIX}/sbin/keepalived`;
const MAN = `${PREFIX}/share/man/man8/keepalived.8`;
const build = {
  subject: 'keepalived 2.2.7',
  steps: [
    {
      name: 'configure',
      command: `cd /usr/local/src/lbprov/keepalived-2.2.7 && ./configure --prefix=${PREFIX}`,
      expectOutput: {
        pattern: 'Use IPVS Framework\\s*:\\s*Yes',
        meaning: 'configure found no IPVS support',
      },
    },
    { name: 'make', command: 'cd /usr/local/src/lbprov/keepalived-2.2.7 && make -j2' },
    { name: 'make install', command: 'cd /usr/local/src/lbprov/keepalived-2.2.7 && make install' },
  ],
  verify: {
    command: `${BIN} --version 2>&1; ${BIN} --version 2>&1 | grep -c LVS`,
    expect: [
      { pattern: '^Keepalived v2\\.2\\.7 ', meaning: 'the installed keepalived is not 2.2.7' },
      { pattern: '^1$', meaning: 'the installed keepalived was built without LVS' },
    ],
  },
  installedPaths: [PREFIX, '/usr/sbin/keepalived'],
  binary: BIN,
};
const good = 'Keepalived v2.2.7 (01/16,2022)\n\nBuild options:  PIPE2 LVS VRRP\n1\n';
const removeTree = (path: string) => ({ kind: 'remove_tree', resource: `tree:${path}`, path }) as const;
const removeDir = (path: string) => ({ kind: 'remove_dir', resource: `dir:${path}`, path }) as const;
const present = { exists: true };
/** Absent, and `ancestor` is the nearest folder above it that exists. */
const absentUnder = (ancestor: string) => ({ exists: false, existingAncestor: ancestor });
const output = (text: string, code = 0) => ({ code, output: text });

/** The build is one action: its commands in order (the engine may ship another host's build instead). */
const commandsRun = (change: Change) => {
  const builds = change.actions.filter((action) => action.kind === 'build');
  expect(builds).to.have.length(1);
  const [buildAction] = builds;
  expect(buildAction).to.deep.include({
    subject: 'keepalived 2.2.7',
    binary: BIN,
    verify: build.verify,
    installedPaths: build.installedPaths,
  });
  const shells = buildAction!.steps;
  expect(shells.map((action) => action.description)).to.deep.equal([
    'keepalived 2.2.7: configure',
    'keepalived 2.2.7: make',
    'keepalived 2.2.7: make install',
  ]);
  expect(shells.map((action) => action.script)).to.deep.equal(build.steps.map((step) => step.command));
  const [configure, make, install] = shells;
  expect(configure).to.deep.include({
    expectOutput: { pattern: 'Use IPVS Framework\\s*:\\s*Yes', meaning: 'configure found no IPVS support' },
  });
  expect(make).not.to.have.property('expectOutput');
  expect(install).not.to.have.property('expectOutput');
};

const cases: StepCase[] = [
  {
    name: 'installed output meets every expectation: ok',
    args: build,
    facts: [output(good), present, present],
    expect: { status: 'ok', reason: 'keepalived 2.2.7 is installed' },
  },
  {
    name: 'expectations are per line (^ and $ match inside the output)',
    args: build,
    facts: [output('some banner\nKeepalived v2.2.7 (x)\n1\n'), present, present],
    expect: { status: 'ok', reason: 'installed' },
  },
  {
    name: 'nothing installed: one shell action per command, configure checked; undo for every install path',
    args: build,
    facts: [output('', 127), absentUnder('/usr/local'), absentUnder('/usr/sbin')],
    expect: {
      status: 'change',
      description: 'build and install keepalived 2.2.7 (not installed)',
      actions: ['build'],
      undo: [removeTree(PREFIX), removeTree('/usr/sbin/keepalived')],
      diff: null,
      more: commandsRun,
    },
  },
  {
    name: 'another version installed: rebuilt, the reason names the unmet expectation',
    args: build,
    facts: [output('Keepalived v1.2.0 (05/21,2010)\n1\n'), present, present],
    expect: {
      status: 'change',
      description: 'build and install keepalived 2.2.7 (the installed keepalived is not 2.2.7)',
      actions: ['backup_path', 'backup_path', 'build'],
      undo: [
        { kind: 'restore_path', resource: `tree:${PREFIX}`, path: PREFIX },
        { kind: 'restore_path', resource: 'tree:/usr/sbin/keepalived', path: '/usr/sbin/keepalived' },
      ],
      more: commandsRun,
    },
  },
  {
    name: 'built without LVS: rebuilt, only that expectation is named',
    args: build,
    facts: [output('Keepalived v2.2.7 (01/16,2022)\n0\n'), present, present],
    expect: {
      status: 'change',
      description: '(the installed keepalived was built without LVS)',
      actions: ['backup_path', 'backup_path', 'build'],
      undo: [
        { kind: 'restore_path', resource: `tree:${PREFIX}`, path: PREFIX },
        { kind: 'restore_path', resource: 'tree:/usr/sbin/keepalived', path: '/usr/sbin/keepalived' },
      ],
      more: (change) => expect(change.description).not.to.include('not 2.2.7'),
    },
  },
  {
    name: 'both unmet: both named',
    args: build,
    facts: [output('Keepalived v1.2.0\n0\n'), present, present],
    expect: {
      status: 'change',
      description: 'the installed keepalived is not 2.2.7; the installed keepalived was built without LVS',
      actions: ['backup_path', 'backup_path', 'build'],
      undo: [
        { kind: 'restore_path', resource: `tree:${PREFIX}`, path: PREFIX },
        { kind: 'restore_path', resource: 'tree:/usr/sbin/keepalived', path: '/usr/sbin/keepalived' },
      ],
    },
  },
  {
    name: 'an install path that was there (an earlier build of its own) is copied first and put back by undo',
    args: build,
    facts: [output(''), present, absentUnder('/usr/sbin')],
    expect: {
      status: 'change',
      description: 'not installed',
      actions: ['backup_path', 'build'],
      undo: [
        { kind: 'restore_path', resource: `tree:${PREFIX}`, path: PREFIX },
        removeTree('/usr/sbin/keepalived'),
      ],
      more: (change) => expect(change.actions[0]).to.deep.equal({ kind: 'backup_path', path: PREFIX }),
    },
  },
  {
    name: 'no installs listed: no undo, only the one fact',
    args: { ...build, installedPaths: undefined },
    facts: [output('')],
    expect: {
      status: 'change',
      description: 'not installed',
      actions: ['build'],
      undo: [],
    },
  },
  {
    name: 'a single command without expectOutput: one action',
    args: {
      ...build,
      steps: [{ name: 'make install', command: 'make -C /src install' }],
      installedPaths: [MAN],
    },
    facts: [output(''), absentUnder(PREFIX)],
    expect: {
      status: 'change',
      description: 'not installed',
      actions: ['build'],
      undo: [
        removeDir(`${PREFIX}/share`),
        removeDir(`${PREFIX}/share/man`),
        removeDir(`${PREFIX}/share/man/man8`),
        removeTree(MAN),
      ],
      more: (change) => expect(change.actions[0]).not.to.have.property('expectOutput'),
    },
  },
  {
    // ipvsadm's Makefile puts its man pages in /usr/man/man8 and its init script in /etc/rc.d/init.d,
    // folders a Debian host does not have: destroy must take them away again, and nothing else.
    name: 'folders make install creates on the way are recorded once each, before what goes in them',
    args: {
      ...build,
      installedPaths: [
        '/sbin/ipvsadm',
        '/usr/man/man8/ipvsadm.8',
        '/usr/man/man8/ipvsadm-save.8',
        '/etc/rc.d/init.d/ipvsadm',
      ],
    },
    facts: [output(''), present, absentUnder('/usr'), absentUnder('/usr'), absentUnder('/etc')],
    expect: {
      status: 'change',
      description: 'not installed',
      actions: ['backup_path', 'build'],
      undo: [
        { kind: 'restore_path', resource: 'tree:/sbin/ipvsadm', path: '/sbin/ipvsadm' },
        removeDir('/usr/man'),
        removeDir('/usr/man/man8'),
        removeTree('/usr/man/man8/ipvsadm.8'),
        removeTree('/usr/man/man8/ipvsadm-save.8'),
        removeDir('/etc/rc.d'),
        removeDir('/etc/rc.d/init.d'),
        removeTree('/etc/rc.d/init.d/ipvsadm'),
      ],
    },
  },
  { name: 'no commands: refused', args: { ...build, steps: [] }, rejects: 'steps' },
  {
    name: 'installed without expectations: refused',
    args: { ...build, verify: { command: 'true', expect: [] } },
    rejects: 'verify.expect',
  },
  {
    name: 'a relative install path: refused',
    args: { ...build, installedPaths: ['usr/local/keepalived'] },
    rejects: 'installedPaths',
  },
];

describe('steps: build', () => {
  describeCases(buildModule, cases);
});
