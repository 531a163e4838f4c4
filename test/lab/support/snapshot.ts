// What a lab host looks like to destroy's "restored exactly": every file apply may touch (type,
// mode, owner, content), the sysctls, addresses, daemons and installed packages. Shared by the
// destroy and upgrade tests.
import { labExecOk } from './lab.js';

export const HOSTS = ['lb1', 'lb2', 'rs1', 'rs2'] as const;
type Host = (typeof HOSTS)[number];
export type Snapshot = Record<Host, string[]>;

/** Everything apply touches, as it is on disk and in the kernel. */
const AREAS = '/etc /usr/local /usr/sbin /sbin /usr/man /var/lib /run/lbprov*';
/**
 * Runtime noise, not lbprov's doing: Redis saves its dataset when it stops; dpkg's and apt's
 * bookkeeping files are rewritten by any package operation, so the list of installed packages
 * (below) stands for them.
 */
const NOISE = ['/var/lib/redis', '/var/lib/dpkg', '/var/lib/apt'];
const PRUNE = NOISE.map((path) => `-path ${path}`).join(' -o ');
const SNAPSHOT = [
  'export LC_ALL=C',
  `find -H ${AREAS} \\( ${PRUNE} \\) -prune -o -printf '%y %m %u:%g %p -> %l\\n' 2>/dev/null | sort`,
  `find -H ${AREAS} \\( ${PRUNE} \\) -prune -o -type f -print0 2>/dev/null | xargs -0 -r sha256sum | sort -k 2`,
  'for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/arp_ignore /proc/sys/net/ipv4/conf/*/arp_announce; do echo "$f $(cat "$f")"; done',
  'ip -o addr',
  'for p in keepalived redis-server; do if pidof "$p" >/dev/null; then echo "$p running"; else echo "$p stopped"; fi; done',
  "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' | grep '^ii'",
].join('\n');

/**
 * Everything apply makes on a fresh lab host, checked gone by name after destroy: the snapshots
 * below are compared with a baseline taken after a first destroy, which would not show something
 * that survives every destroy.
 */
const MADE_BY_APPLY = [
  '/var/lib/lbprov',
  '/run/lbprov.lock',
  '/run/lbprov.lock.info',
  '/usr/local/src/lbprov',
  '/usr/local/keepalived',
  '/usr/sbin/keepalived',
  '/sbin/ipvsadm',
  '/sbin/ipvsadm-save',
  '/sbin/ipvsadm-restore',
  '/etc/default/keepalived',
  '/etc/init.d/keepalived',
  '/etc/init.d/lbprov-realserver',
  '/etc/sysctl.d/90-lbprov-lvs-dr.conf',
  '/etc/rc?.d/[SK]??keepalived',
  '/etc/rc?.d/[SK]??lbprov-realserver',
  // Folders made on the way: by the atomic write of keepalived.conf, and by ipvsadm's make install.
  '/etc/keepalived',
  '/usr/man',
  '/etc/rc.d',
];
export const LEFTOVERS = `ls -d ${MADE_BY_APPLY.join(' ')} 2>/dev/null; true`;

export async function snapshot(): Promise<Snapshot> {
  const taken = await Promise.all(
    HOSTS.map(async (host) => (await labExecOk(host, SNAPSHOT, { timeoutMs: 300_000 })).split('\n')),
  );
  return Object.fromEntries(HOSTS.map((host, index) => [host, taken[index]!])) as Snapshot;
}

/** Lines only in `before` (-) or only in `after` (+), per host: empty when the snapshots match. */
export function differences(before: Snapshot, after: Snapshot): string[] {
  return HOSTS.flatMap((host) => {
    const was = new Set(before[host]);
    const is = new Set(after[host]);
    return [
      ...before[host].filter((line) => !is.has(line)).map((line) => `${host} - ${line}`),
      ...after[host].filter((line) => !was.has(line)).map((line) => `${host} + ${line}`),
    ];
  });
}
