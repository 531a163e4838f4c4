import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transport } from '../transport/types.js';
import { ADDRESSES_COMMAND } from './commands.js';
import { findAddress, parseIpAddr } from './ip-addr.js';
import type { Sample } from './timing.js';

/** How often a drill looks: the resolution of every time it reports. */
export const POLL_INTERVAL_MS = 100;

interface PollOptions<T> {
  /** The drill's clock (milliseconds since it began): samples are stamped with it. */
  clock(): number;
  /** Counted from the first poll. */
  timeoutMs: number;
  /** Stops polling early (Ctrl-C); the samples so far are returned. */
  signal: AbortSignal;
  done(value: T): boolean;
  onSample?(sample: Sample<T>): void;
}

/**
 * Reads `read()` every POLL_INTERVAL_MS until `done`, the timeout or an abort. Each sample is
 * stamped when its answer arrived, so a reported time is at most one interval plus one round trip
 * after the change.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  options: PollOptions<T>,
): Promise<{ samples: Sample<T>[]; reached: boolean }> {
  const samples: Sample<T>[] = [];
  const began = performance.now();
  while (!options.signal.aborted) {
    const asked = performance.now();
    const value = await read();
    const sample = { at_ms: options.clock(), value };
    samples.push(sample);
    options.onSample?.(sample);
    if (options.done(value)) return { samples, reached: true };
    if (performance.now() - began >= options.timeoutMs) break;
    const wait = POLL_INTERVAL_MS - (performance.now() - asked);
    if (wait > 0) await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return { samples, reached: false };
}

export interface WatchedHost {
  name: string;
  transport: Transport;
}

/** Which of the hosts hold `vip` right now, over their open SSH connections (no reconnecting). */
export async function vipHolders(hosts: WatchedHost[], vip: string): Promise<Set<string>> {
  const answers = await Promise.all(
    hosts.map(async (host) => {
      const result = await host.transport.exec(ADDRESSES_COMMAND);
      if (result.code !== 0) {
        throw new Error(
          `${host.name}: \`${ADDRESSES_COMMAND}\` failed (exit ${result.code}): ${result.stderr.trim()}`,
        );
      }
      return findAddress(parseIpAddr(result.stdout), vip).length > 0 ? [host.name] : [];
    }),
  );
  return new Set(answers.flat());
}
