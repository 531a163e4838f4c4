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
