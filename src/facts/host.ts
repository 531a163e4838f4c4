import type { Fact } from './fact.js';

export type InitSystem = 'systemd' | 'sysv';
export type PackageManager = 'apt' | 'dnf' | 'yum' | 'none';
/** present: /proc/net/ip_vs exists; loadable: the module is there but not loaded; absent: neither. */
export type IpvsSupport = 'present' | 'loadable' | 'absent';

export interface HostFacts {
  osId: string;
  osFamily: 'debian' | 'rhel' | 'other';
  osVersion: string;
  init: InitSystem;
  packageManager: PackageManager;
  /** RHEL-family network-scripts (ifcfg files) are in use. */
  networkScripts: boolean;
  ipvs: IpvsSupport;
  cpus: number;
  kernel: string;
}

/** Everything the playbooks' `when:` conditions may ask, gathered in the same probe as the rest. */
export const hostFacts: Fact<HostFacts> = {
  key: 'host',
  command: [
    // `.` of a missing file would end the shell (old hosts such as CentOS 6 have no os-release).
    'if [ -r /etc/os-release ]; then . /etc/os-release; fi',
    // Before os-release, the Red Hat family said who it was in /etc/redhat-release.
    'if [ -z "${ID:-}" ] && [ -r /etc/redhat-release ]; then ID=rhel; VERSION_ID=$(sed -n "s/.*release \\([0-9.]*\\).*/\\1/p" /etc/redhat-release); fi',
    'echo "os_id=${ID:-unknown}"',
    'echo "os_like=${ID_LIKE:-}"',
    'echo "os_version=${VERSION_ID:-}"',
    'if [ -d /run/systemd/system ]; then echo init=systemd; else echo init=sysv; fi',
    'if command -v apt-get >/dev/null; then echo pm=apt; elif command -v dnf >/dev/null; then echo pm=dnf; elif command -v yum >/dev/null; then echo pm=yum; else echo pm=none; fi',
    'if [ -d /etc/sysconfig/network-scripts ]; then echo network_scripts=yes; else echo network_scripts=no; fi',
    'if [ -e /proc/net/ip_vs ]; then echo ipvs=present; elif modprobe -n -q ip_vs 2>/dev/null; then echo ipvs=loadable; else echo ipvs=absent; fi',
    'echo "cpus=$(nproc 2>/dev/null || echo 1)"',
    // The release uname -r prints, read by the shell itself where /proc has it (no fork).
    'lbp_k=; { IFS= read -r lbp_k; } </proc/sys/kernel/osrelease 2>/dev/null; echo "kernel=${lbp_k:-$(uname -r)}"',
  ].join('\n'),
  parse(output) {
    const kv = new Map<string, string>();
    for (const line of output.split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) kv.set(line.slice(0, at), line.slice(at + 1));
    }
    const osId = kv.get('os_id') ?? 'unknown';
    const like = `${osId} ${kv.get('os_like') ?? ''}`;
    const pm = kv.get('pm');
    return {
      osId,
      osFamily: /debian|ubuntu/.test(like) ? 'debian' : /rhel|fedora|centos/.test(like) ? 'rhel' : 'other',
      osVersion: kv.get('os_version') ?? '',
      init: kv.get('init') === 'systemd' ? 'systemd' : 'sysv',
      packageManager: pm === 'apt' || pm === 'dnf' || pm === 'yum' ? pm : 'none',
      networkScripts: kv.get('network_scripts') === 'yes',
      ipvs: (['present', 'loadable'] as const).find((v) => v === kv.get('ipvs')) ?? 'absent',
      cpus: Math.max(1, Number(kv.get('cpus')) || 1),
      kernel: kv.get('kernel') ?? '',
    };
  },
};
