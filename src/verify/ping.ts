import type { Evidence } from '../engine/events.js';

/** How long the client waits for each Redis answer; `timeout` exits 124 when it runs out. */
const PING_TIMEOUT_SECONDS = 5;

/** `address` is an inventory host or VIP, whose alphabet (digits, letters, `.`, `-`) needs no quoting. */
export function pingCommand(address: string, port: number): string {
  return `timeout ${PING_TIMEOUT_SECONDS} redis-cli -h ${address} -p ${port} ping`;
}

interface PingOutcome {
  answered: boolean;
  detail: string;
  hint?: string;
}

/**
 * Reads what `redis-cli ping` printed: PONG, or a refusal that still proves Redis answered. The
 * client never sends the password (it would have to travel on a command line or in a file left on
 * the client); NOAUTH proves Redis answered. With `passwordSet` (lbprov set requirepass) NOAUTH is
 * the expected answer, and a PONG means Redis serves anyone: the password is not in effect.
 */
export function readPing(evidence: Evidence, passwordSet = false): PingOutcome {
  const firstLine =
    evidence.output
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? '(no output)';
  if (/^PONG$/m.test(evidence.output)) {
    if (!passwordSet) return { answered: true, detail: 'PONG' };
    return {
      answered: false,
      detail: 'PONG without a password, although the inventory sets redis.password: Redis serves anyone',
      hint: 'run `lbprov apply`: it writes requirepass on Debian-family real servers and restarts Redis (elsewhere set requirepass by hand)',
    };
  }
  if (/NOAUTH/.test(evidence.output)) {
    return {
      answered: true,
      detail: passwordSet
        ? 'Redis answers and asks for the password (NOAUTH), as redis.password says'
        : 'Redis answers (it requires a password: NOAUTH)',
    };
  }
  if (evidence.exit_code === 124) {
    return {
      answered: false,
      detail: `no answer within ${PING_TIMEOUT_SECONDS}s`,
      hint: 'packets are dropped on the way (firewall, routing, ARP): check the address is reachable from the client',
    };
  }
  if (evidence.exit_code === 127) {
    return {
      answered: false,
      detail: `the client cannot run the check: ${firstLine}`,
      hint: 'install redis-cli and timeout on the client (Debian: redis-tools and coreutils)',
    };
  }
  return { answered: false, detail: `no PONG: ${firstLine}` };
}
