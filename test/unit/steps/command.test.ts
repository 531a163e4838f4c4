import { commandModule } from '../../../src/steps/command.js';
import { describeCases, onlyAction, type StepCase } from './support.js';
import { expect } from 'chai';

const mkdir = { description: 'create /usr/local/src/lbprov', run: 'mkdir -p /usr/local/src/lbprov' };
const link = {
  description: 'link /usr/sbin/keepalived',
  run: 'ln -sfn /usr/local/keepalived/sbin/keepalived /usr/sbin/keepalived',
  unless: 'test "$(readlink /usr/sbin/keepalived)" = /usr/local/keepalived/sbin/keepalived',
};
const fails = { code: 1, output: '' };
const succeeds = { code: 0, output: '' };

const cases: StepCase[] = [
  {
    name: 'creates: the path exists: ok',
    args: { ...mkdir, creates: '/usr/local/src/lbprov' },
    facts: [true],
    expect: { status: 'ok', reason: '/usr/local/src/lbprov exists' },
  },
  {
    name: 'creates: the path is missing: run the command; undo as given',
    args: { ...mkdir, creates: '/usr/local/src/lbprov', undo: 'rm -rf /usr/local/src/lbprov' },
    facts: [false],
    expect: {
      status: 'change',
      description: 'create /usr/local/src/lbprov',
      actions: ['shell'],
      undo: [
        {
          kind: 'shell',
          resource: 'command:mkdir -p /usr/local/src/lbprov',
          description: 'undo: create /usr/local/src/lbprov',
          script: 'rm -rf /usr/local/src/lbprov',
        },
      ],
      diff: null,
      more: (change) => expect(onlyAction(change, 'shell').script).to.equal('mkdir -p /usr/local/src/lbprov'),
    },
  },
  {
    name: 'unless succeeds: ok',
    args: link,
    facts: [succeeds],
    expect: { status: 'ok', reason: `\`${link.unless}\` succeeds` },
  },
  {
    name: 'unless fails: run the command; no undo given, none recorded',
    args: link,
    facts: [fails],
    expect: { status: 'change', description: 'link /usr/sbin/keepalived', actions: ['shell'], undo: [] },
  },
  {
    name: 'unless exits 2 (not only 1) counts as not done',
    args: link,
    facts: [{ code: 2, output: 'readlink: missing operand\n' }],
    expect: { status: 'change', description: 'link', actions: ['shell'], undo: [] },
  },
  {
    name: 'unless printing output but exiting 0 is done',
    args: link,
    facts: [{ code: 0, output: 'anything\n' }],
    expect: { status: 'ok', reason: 'succeeds' },
  },
  {
    name: 'creates and unless: the path exists: ok without asking unless',
    args: { ...link, creates: '/usr/sbin/keepalived' },
    facts: [true, fails],
    expect: { status: 'ok', reason: '/usr/sbin/keepalived exists' },
  },
  {
    name: 'creates and unless: path missing but unless succeeds: ok',
    args: { ...link, creates: '/usr/sbin/keepalived' },
    facts: [false, succeeds],
    expect: { status: 'ok', reason: 'succeeds' },
  },
  {
    name: 'creates and unless: neither holds: change',
    args: { ...link, creates: '/usr/sbin/keepalived', undo: 'rm -f /usr/sbin/keepalived' },
    facts: [false, fails],
    expect: {
      status: 'change',
      description: 'link /usr/sbin/keepalived',
      actions: ['shell'],
      undo: [
        {
          kind: 'shell',
          resource: `command:${link.run}`,
          description: 'undo: link /usr/sbin/keepalived',
          script: 'rm -f /usr/sbin/keepalived',
        },
      ],
    },
  },
  {
    name: 'neither creates nor unless: refused (it would run on every apply)',
    args: mkdir,
    rejects: 'a command needs `creates` or `unless`',
  },
  { name: 'an empty run is refused', args: { ...mkdir, run: '', creates: '/x' }, rejects: 'run' },
  { name: 'a relative creates is refused', args: { ...mkdir, creates: 'src/lbprov' }, rejects: 'creates' },
  { name: 'a missing description is refused', args: { run: 'true', creates: '/x' }, rejects: 'description' },
];

describe('steps: command', () => {
  describeCases(commandModule, cases);
});
