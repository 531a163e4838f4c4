import { hostname } from 'node:os';
import { LOCK_BUSY, LOCK_READY, lockHolderScript } from '../engine/lock.js';
import type { Transport } from '../transport/types.js';

export class LockBusyError extends Error {}

/**
 * Holds lbprov's host lock for as long as a drill changes the host, so no apply or destroy runs
 * under it (and it runs under none). Like apply's, the lock dies with the SSH session.
 */
export async function holdHostLock(
  transport: Transport,
  purpose: string,
): Promise<{ release(): Promise<void> }> {
  const owner = `${process.env.USER ?? 'someone'}@${hostname()} ${purpose} since ${new Date().toISOString()}`;
  const holder = await transport.hold(lockHolderScript(owner), LOCK_READY);
  if (holder.banner.includes(LOCK_BUSY)) {
    await holder.release();
    const who = holder.banner.replace(LOCK_BUSY, '').replace(LOCK_READY, '').trim();
    throw new LockBusyError(
      `another lbprov run holds the lock on ${transport.host} (${who || 'unknown holder'}); wait for it to finish`,
    );
  }
  if (!holder.banner.includes(LOCK_READY)) {
    throw new Error(
      `cannot take lbprov's lock on ${transport.host} (needs flock, from util-linux): ${holder.banner.trim() || 'no output'}`,
    );
  }
  return holder;
}
