/** Parsing `ip -o addr show`: which addresses a host holds, and on which interface. */

export interface HostAddress {
  /** Interface name, without the `@peer` suffix veth and VLAN links carry. */
  interface: string;
  family: 'inet' | 'inet6';
  address: string;
  prefixLength: number;
  /** The IPv4 label (`eth0`, `lo:0`); absent for IPv6. */
  label?: string;
}

// `2: eth0    inet 192.168.56.200/24 scope global secondary eth0\       valid_lft forever ...`
const LINE = /^\d+:\s+([^\s@]+)(?:@\S+)?\s+(inet6?)\s+([0-9A-Fa-f.:]+)\/(\d+)\s+(.*)$/;

export function parseIpAddr(output: string): HostAddress[] {
  const addresses: HostAddress[] = [];
  for (const line of output.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const [, name = '', family, address = '', prefix, rest = ''] = match;
    // One-line mode ends each entry with `\` and the lifetimes; the label is the last word before it.
    const words = rest.split('\\')[0]?.trim().split(/\s+/) ?? [];
    const label = family === 'inet' ? words.at(-1) : undefined;
    addresses.push({
      interface: name,
      family: family === 'inet6' ? 'inet6' : 'inet',
      address,
      prefixLength: Number(prefix),
      ...(label ? { label } : {}),
    });
  }
  return addresses;
}

export function findAddress(addresses: HostAddress[], address: string): HostAddress[] {
  return addresses.filter((entry) => entry.address === address);
}
