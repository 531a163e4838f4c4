/** Parsing `ss -ltn`: which local addresses a TCP port listens on. */

interface ListeningSocket {
  address: string;
  port: number;
}

export function parseSsListening(output: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of output.split('\n')) {
    const words = line.trim().split(/\s+/);
    // `LISTEN 0 511 192.168.56.21:6379 0.0.0.0:*`; the header starts with `State`.
    if (words[0] !== 'LISTEN') continue;
    const match = /^\[?(.+?)\]?(?:%\S+)?:(\d+)$/.exec(words[3] ?? '');
    if (!match) continue;
    sockets.push({ address: (match[1] ?? '').replace(/%.*$/, ''), port: Number(match[2]) });
  }
  return sockets;
}

/**
 * Whether something listens on `address:port`: bound to that address, or to an IPv4 wildcard.
 * ss prints `*` for a dual-stack socket; `[::]` alone may be IPv6-only, so it does not count.
 */
export function listensOn(sockets: ListeningSocket[], address: string, port: number): boolean {
  return sockets.some((socket) => socket.port === port && [address, '0.0.0.0', '*'].includes(socket.address));
}
