/**
 * Whether a director's kernel can show an IPVS table. The command only reads: `modprobe -n` does
 * not load anything, and `ipvsadm` is run only where the table exists (it would load ip_vs itself).
 */
export type IpvsState = 'present' | 'not-loaded' | 'absent';

export const IPVS_SUPPORT_COMMAND = [
  'if [ -e /proc/net/ip_vs ]; then echo "ipvs=present: /proc/net/ip_vs exists"',
  'elif modprobe -n -q ip_vs 2>/dev/null; then echo "ipvs=not-loaded: the ip_vs module exists but is not loaded"',
  'else echo "ipvs=absent: no /proc/net/ip_vs and no ip_vs module for kernel $(uname -r)"; fi',
].join('\n');

const IPVSADM_VIEW_OPTIONS = { services: '', stats: ' --stats', connections: ' -c' } as const;

/** `ipvsadm -L -n` (services, with --stats, or the connection table `-c`) where the table exists. */
export function ipvsTableCommand(view: keyof typeof IPVSADM_VIEW_OPTIONS): string {
  return `if [ -e /proc/net/ip_vs ]; then ipvsadm -L -n${IPVSADM_VIEW_OPTIONS[view]}; else echo 'no IPVS table: /proc/net/ip_vs is missing'; fi`;
}

/** undefined: the command did not answer as expected (a failure, never "no IPVS"). */
export function parseIpvsSupport(output: string): IpvsState | undefined {
  const match = /^ipvs=(present|not-loaded|absent):/m.exec(output);
  return match?.[1] as IpvsState | undefined;
}

export const NO_IPVS = 'not provable: this kernel has no IPVS';
