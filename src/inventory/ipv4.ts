/** IPv4 arithmetic for the VIP checks; addresses are handled as unsigned 32-bit integers. */

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** Dotted quad without leading zeros (which some tools read as octal), or undefined. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

function netmask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function sameSubnet(a: number, b: number, prefixLength: number): boolean {
  const mask = netmask(prefixLength);
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

export function networkAddress(address: number, prefixLength: number): number {
  return (address & netmask(prefixLength)) >>> 0;
}

export function broadcastAddress(address: number, prefixLength: number): number {
  return (networkAddress(address, prefixLength) | ~netmask(prefixLength)) >>> 0;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/**
 * Why an address cannot be a host's own unicast address, or undefined when it can be (RFC 1122,
 * RFC 5771, RFC 6890): lbprov would connect to it, or keepalived would put it on an interface.
 */
export function nonUnicastReason(address: number): string | undefined {
  const first = address >>> 24;
  if (first === 0) return 'is in 0.0.0.0/8 ("this network"), not a host address';
  if (first === 127) return 'is a loopback address (127.0.0.0/8): it would reach this machine, not the host';
  if (first >= 224 && first <= 239) return 'is a multicast address (224.0.0.0/4), not a host address';
  if (address === 0xffffffff) return 'is the limited broadcast address, not a host address';
  if (first >= 240) return 'is in the reserved range 240.0.0.0/4, not a host address';
  return undefined;
}
