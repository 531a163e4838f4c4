import { expect } from 'chai';
import os from 'node:os';
import { hostFacts, type HostFacts } from '../../../src/facts/host.js';
import { runFact } from './run-probe.js';

const lines = (...entries: string[]) => `${entries.join('\n')}\n`;

const rows: { name: string; output: string; facts: HostFacts }[] = [
  {
    name: 'Debian 12 with systemd, apt and IPVS loaded',
    output: lines(
      'os_id=debian',
      'os_like=',
      'os_version=12',
      'init=systemd',
      'pm=apt',
      'network_scripts=no',
      'ipvs=present',
      'cpus=4',
      'kernel=6.1.0-18-amd64',
    ),
    facts: {
      osId: 'debian',
      osFamily: 'debian',
      osVersion: '12',
      init: 'systemd',
      packageManager: 'apt',
      networkScripts: false,
      ipvs: 'present',
      cpus: 4,
      kernel: '6.1.0-18-amd64',
    },
  },
  {
    name: 'Ubuntu is Debian family through ID_LIKE',
    output: lines(
      'os_id=ubuntu',
      'os_like=debian',
      'os_version=22.04',
      'init=systemd',
      'pm=apt',
      'ipvs=loadable',
      'cpus=2',
      'kernel=5.15.0',
    ),
    facts: {
      osId: 'ubuntu',
      osFamily: 'debian',
      osVersion: '22.04',
      init: 'systemd',
      packageManager: 'apt',
      networkScripts: false,
      ipvs: 'loadable',
      cpus: 2,
      kernel: '5.15.0',
    },
  },
  {
    name: 'Rocky 9 is Red Hat family, with network-scripts',
    output: lines(
      'os_id=rocky',
      'os_like=rhel centos fedora',
      'os_version=9.3',
      'init=systemd',
      'pm=dnf',
      'network_scripts=yes',
      'ipvs=loadable',
      'cpus=8',
      'kernel=5.14.0-362.el9.x86_64',
    ),
    facts: {
      osId: 'rocky',
      osFamily: 'rhel',
      osVersion: '9.3',
      init: 'systemd',
      packageManager: 'dnf',
      networkScripts: true,
      ipvs: 'loadable',
      cpus: 8,
      kernel: '5.14.0-362.el9.x86_64',
    },
  },
  {
    name: 'CentOS 7 (ID centos, yum)',
    output: lines(
      'os_id=centos',
      'os_like=rhel fedora',
      'os_version=7',
      'init=systemd',
      'pm=yum',
      'network_scripts=yes',
      'ipvs=present',
      'cpus=1',
      'kernel=3.10.0',
    ),
    facts: {
      osId: 'centos',
      osFamily: 'rhel',
      osVersion: '7',
      init: 'systemd',
      packageManager: 'yum',
      networkScripts: true,
      ipvs: 'present',
      cpus: 1,
      kernel: '3.10.0',
    },
  },
  {
    name: 'Alpine: another family, no known package manager, SysV-style init, no IPVS',
    output: lines(
      'os_id=alpine',
      'os_like=',
      'os_version=3.19.0',
      'init=sysv',
      'pm=none',
      'network_scripts=no',
      'ipvs=absent',
      'cpus=1',
      'kernel=6.6.4-0-virt',
    ),
    facts: {
      osId: 'alpine',
      osFamily: 'other',
      osVersion: '3.19.0',
      init: 'sysv',
      packageManager: 'none',
      networkScripts: false,
      ipvs: 'absent',
      cpus: 1,
      kernel: '6.6.4-0-virt',
    },
  },
  {
    name: 'a host without /etc/os-release (CentOS 6): unknown id, but the rest still read',
    output: lines(
      'os_id=unknown',
      'os_like=',
      'os_version=',
      'init=sysv',
      'pm=yum',
      'network_scripts=yes',
      'ipvs=present',
      'cpus=2',
      'kernel=2.6.32-754.el6.x86_64',
    ),
    facts: {
      osId: 'unknown',
      osFamily: 'other',
      osVersion: '',
      init: 'sysv',
      packageManager: 'yum',
      networkScripts: true,
      ipvs: 'present',
      cpus: 2,
      kernel: '2.6.32-754.el6.x86_64',
    },
  },
  {
    name: 'unexpected values fall back to the safe side (sysv, none, absent, 1 cpu)',
    output: lines('os_id=debian', 'init=upstart', 'pm=zypper', 'ipvs=maybe', 'cpus=', 'kernel=6.1=x'),
    facts: {
      osId: 'debian',
      osFamily: 'debian',
      osVersion: '',
      init: 'sysv',
      packageManager: 'none',
      networkScripts: false,
      ipvs: 'absent',
      cpus: 1,
      kernel: '6.1=x',
    },
  },
  {
    name: 'no output at all: every fact at its fallback',
    output: '',
    facts: {
      osId: 'unknown',
      osFamily: 'other',
      osVersion: '',
      init: 'sysv',
      packageManager: 'none',
      networkScripts: false,
      ipvs: 'absent',
      cpus: 1,
      kernel: '',
    },
  },
];

describe('facts: host', () => {
  for (const row of rows) {
    it(row.name, () => expect(hostFacts.parse(row.output, 0)).to.deep.equal(row.facts));
  }

  it('run with sh on this machine: kernel, cpus and init as the machine says', () => {
    const facts = runFact(hostFacts);
    expect(facts.kernel).to.equal(os.release());
    expect(facts.cpus).to.be.at.least(1);
    expect(facts.osId).to.not.equal('unknown');
    expect(['apt', 'dnf', 'yum', 'none']).to.include(facts.packageManager);
  });

  it('run with sh on a host without /etc/os-release: the other facts are still read', () => {
    // Old hosts (CentOS 6) have no os-release; `.` of a missing file ends a POSIX sh at once.
    const command = hostFacts.command.replaceAll('/etc/os-release', '/nonexistent/lbprov/os-release');
    expect(command).not.to.equal(hostFacts.command);
    const facts = runFact({ ...hostFacts, command });
    expect(facts.osId).to.equal('unknown');
    expect(facts.kernel).to.equal(os.release());
    expect(facts.packageManager).to.equal(runFact(hostFacts).packageManager);
  });
});
