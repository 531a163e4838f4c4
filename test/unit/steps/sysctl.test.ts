import { expect } from 'chai';
import { sysctlModule } from '../../../src/steps/sysctl.js';
import type { Change } from '../../../src/steps/types.js';
import {
  absent,
  describeCases,
  file,
  fileWithoutContent,
  other,
  shellScripts,
  type StepCase,
} from './support.js';

const CONF = '/etc/sysctl.conf';
const DROP_IN = '/etc/sysctl.d/90-lbprov-lvs-dr.conf';
const FORWARD = 'net.ipv4.ip_forward';
const restore = (path: string) => ({ kind: 'restore_file', resource: `file:${path}`, path }) as const;
const liveUndo = (name: string, value: string) =>
  ({
    kind: 'shell',
    resource: `sysctl:${name}`,
    description: `set ${name} back to ${value}`,
    script: `printf '%s\\n' '${value}' > '/proc/sys/${name.replace(/\./g, '/')}'`,
  }) as const;

const forward = { values: { [FORWARD]: 1 } };
const persisted = `# kernel settings\n${FORWARD} = 1\n`;

const writtenText = (change: Change): string => {
  const write = change.actions.find((action) => action.kind === 'write_file');
  if (write?.kind !== 'write_file') throw new Error('no write_file action');
  return write.content.toString();
};

const cases: StepCase[] = [
  {
    name: 'set live and persisted: ok',
    args: forward,
    facts: { [`file:${CONF}`]: file(persisted), [`sysctl:${FORWARD}`]: '1' },
    expect: { status: 'ok', reason: `${FORWARD} set live and in ${CONF}` },
  },
  {
    name: 'live only differs: set now; undo writes the previous live value back',
    args: forward,
    facts: [file(persisted), '0'],
    expect: {
      status: 'change',
      description: `live: ${FORWARD} 0 -> 1`,
      actions: ['shell'],
      undo: [liveUndo(FORWARD, '0')],
      diff: null,
      more(change) {
        expect(change.description).not.to.include('persist');
        expect(shellScripts(change)).to.deep.equal([`printf '%s\\n' '1' > '/proc/sys/net/ipv4/ip_forward'`]);
      },
    },
  },
  {
    name: 'file only differs: persisted, nothing set live; undo restores the file',
    args: forward,
    facts: [file('# kernel settings\n'), '1'],
    expect: {
      status: 'change',
      description: `persist in ${CONF}`,
      actions: ['write_file'],
      undo: [restore(CONF)],
      diff: `+${FORWARD} = 1`,
      more(change) {
        expect(change.description).not.to.include('live');
        expect(writtenText(change)).to.equal(persisted);
      },
    },
  },
  {
    name: 'both differ: one change persists and sets live, with both undos',
    args: forward,
    facts: [file(`${FORWARD} = 0\n`), '0'],
    expect: {
      status: 'change',
      description: [`persist in ${CONF}`, `live: ${FORWARD} 0 -> 1`],
      actions: ['write_file', 'shell'],
      undo: [restore(CONF), liveUndo(FORWARD, '0')],
      diff: [`-${FORWARD} = 0`, `+${FORWARD} = 1`],
      more: (change) => expect(writtenText(change)).to.equal(`${FORWARD} = 1\n`),
    },
  },
  {
    name: 'the kernel has no such key: fail before anything is written',
    args: { values: { 'net.ipv4.vs.expire_nodest_conn': 1 } },
    facts: [file(''), undefined],
    expect: { status: 'fail', reason: 'this kernel has no net.ipv4.vs.expire_nodest_conn', hint: 'module' },
  },
  {
    name: 'a drop-in that does not exist yet: created root 0644; undo removes it',
    args: { file: DROP_IN, values: { [FORWARD]: '1' } },
    facts: [absent, '1'],
    expect: {
      status: 'change',
      description: `persist in ${DROP_IN}`,
      actions: ['write_file'],
      undo: [{ kind: 'remove_file', resource: `file:${DROP_IN}`, path: DROP_IN }],
      diff: '/dev/null',
      more(change) {
        expect(writtenText(change)).to.equal(`${FORWARD} = 1\n`);
        expect(change.actions[0]).to.deep.include({ mode: 0o644, owner: 'root', group: 'root' });
      },
    },
  },
  {
    name: 'four ARP keys, two wrong live: only those two are set, each with its own undo',
    args: {
      file: DROP_IN,
      values: {
        'net.ipv4.conf.all.arp_ignore': 1,
        'net.ipv4.conf.all.arp_announce': 2,
        'net.ipv4.conf.lo.arp_ignore': 1,
        'net.ipv4.conf.lo.arp_announce': 2,
      },
    },
    facts: [
      file(
        'net.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.all.arp_announce = 2\nnet.ipv4.conf.lo.arp_ignore = 1\nnet.ipv4.conf.lo.arp_announce = 2\n',
      ),
      '0',
      '2',
      '0',
      '2',
    ],
    expect: {
      status: 'change',
      description: 'live: net.ipv4.conf.all.arp_ignore 0 -> 1, net.ipv4.conf.lo.arp_ignore 0 -> 1',
      actions: ['shell', 'shell'],
      undo: [liveUndo('net.ipv4.conf.all.arp_ignore', '0'), liveUndo('net.ipv4.conf.lo.arp_ignore', '0')],
      diff: null,
    },
  },
  {
    name: 'a line with the old value is replaced, not duplicated; other lines stay',
    args: forward,
    facts: [file(`vm.swappiness = 10\n${FORWARD} = 0\nkernel.panic = 5\n`), '1'],
    expect: {
      status: 'change',
      description: 'persist',
      actions: ['write_file'],
      undo: [restore(CONF)],
      more: (change) =>
        expect(writtenText(change)).to.equal(`vm.swappiness = 10\n${FORWARD} = 1\nkernel.panic = 5\n`),
    },
  },
  {
    name: 'a commented-out setting does not count: the line is appended',
    args: forward,
    facts: [file(`#${FORWARD} = 1\n`), '1'],
    expect: {
      status: 'change',
      description: 'persist',
      actions: ['write_file'],
      undo: [restore(CONF)],
      more: (change) => expect(writtenText(change)).to.equal(`#${FORWARD} = 1\n${FORWARD} = 1\n`),
    },
  },
  {
    name: 'the dots of the name are literal: net.ipv4.ip_forward does not match net_ipv4_ip_forward',
    args: forward,
    facts: [file(`net_ipv4_ip_forward = 1\n`), '1'],
    expect: {
      status: 'change',
      description: 'persist',
      actions: ['write_file'],
      undo: [restore(CONF)],
      more: (change) => expect(writtenText(change)).to.equal(`net_ipv4_ip_forward = 1\n${FORWARD} = 1\n`),
    },
  },
  {
    name: 'a multi-number value matches the kernel (which separates with tabs, read as spaces)',
    args: { values: { 'net.ipv4.tcp_rmem': '4096 131072 6291456' } },
    facts: [file('net.ipv4.tcp_rmem = 4096 131072 6291456\n'), '4096 131072 6291456'],
    expect: { status: 'ok', reason: 'net.ipv4.tcp_rmem' },
  },
  {
    name: 'a multi-number value written with extra spaces still converges',
    args: { values: { 'net.ipv4.tcp_rmem': '4096  131072 6291456' } },
    facts: [file('net.ipv4.tcp_rmem = 4096 131072 6291456\n'), '4096 131072 6291456'],
    expect: { status: 'ok', reason: 'net.ipv4.tcp_rmem' },
  },
  {
    name: 'a settings file too large to read: fail',
    args: forward,
    facts: [fileWithoutContent('0'.repeat(64)), '1'],
    expect: { status: 'fail', reason: 'too large' },
  },
  {
    name: 'a directory where the settings file should be: fail, naming the directory',
    args: forward,
    facts: [other('directory'), '1'],
    expect: { status: 'fail', reason: `${CONF} is a directory` },
  },
  {
    name: 'a name that is not a sysctl name is refused',
    args: { values: { 'IP FORWARD': 1 } },
    rejects: 'values',
  },
  {
    name: 'a value that is not numeric is refused',
    args: { values: { [FORWARD]: 'on' } },
    rejects: 'values',
  },
  {
    name: 'a relative settings file is refused',
    args: { file: 'sysctl.conf', values: { [FORWARD]: 1 } },
    rejects: 'file',
  },
];

describe('steps: sysctl', () => {
  describeCases(sysctlModule, cases);
});
