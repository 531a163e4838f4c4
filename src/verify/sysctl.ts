/**
 * Parsing `grep -H . /proc/sys/net/ipv4/conf/<dev>/<key>` and deciding what the kernel applies.
 * For arp_ignore and arp_announce the kernel uses the larger of `all` and the receiving
 * interface's own value, so the value that matters differs per interface.
 */

/** key -> interface (`all`, `default`, `lo`, `eth0`, ...) -> value. */
type InterfaceSysctls = Map<string, Map<string, number>>;

const LINE = /^\/proc\/sys\/net\/ipv4\/conf\/([^/]+)\/([a-z_]+):(-?\d+)$/;

export function parseConfSysctls(output: string): InterfaceSysctls {
  const values: InterfaceSysctls = new Map();
  for (const line of output.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const [, device = '', key = '', value] = match;
    let byDevice = values.get(key);
    if (!byDevice) values.set(key, (byDevice = new Map()));
    byDevice.set(device, Number(value));
  }
  return values;
}

interface EffectiveValue {
  interface: string;
  /** What the kernel applies on this interface: max(all, interface). */
  effective: number;
  all: number;
  own: number;
}

/**
 * The effective value on every interface ARP requests can arrive on: every one except `lo`
 * (nothing arrives there from outside) and `default` (a template for interfaces yet to come).
 */
export function effectiveOnInterfaces(values: InterfaceSysctls, key: string): EffectiveValue[] | undefined {
  const byDevice = values.get(key);
  const all = byDevice?.get('all');
  if (!byDevice || all === undefined) return undefined;
  return [...byDevice.entries()]
    .filter(([device]) => !['all', 'default', 'lo'].includes(device))
    .map(([device, own]) => ({ interface: device, effective: Math.max(all, own), all, own }));
}
