import type { Fact } from '../facts/fact.js';
import { shellQuote } from '../util/shell.js';

/**
 * One apply at a time per host. The lock is an flock held by a shell that lives as long as the SSH
 * session: if lbprov dies or the connection drops, the kernel releases it, so a dead run cannot
 * wedge the host. The info file beside it says who holds it; an info file whose lock is free is
 * the trace of a run that died.
 */
export const LOCK_PATH = '/run/lbprov.lock';
export const LOCK_INFO_PATH = '/run/lbprov.lock.info';

export type LockState = { held: false; stale?: string } | { held: true; holder: string };

export const lockFact: Fact<LockState> = {
  key: 'lbprov-lock',
  command: [
    `if [ -e ${LOCK_PATH} ] && ! flock -n ${LOCK_PATH} true; then echo held; else echo free; fi`,
    `cat ${LOCK_INFO_PATH} 2>/dev/null`,
  ].join('\n'),
  parse(output) {
    const [state = '', ...info] = output.split('\n');
    const holder = info.join(' ').trim();
    if (state.trim() === 'held') return { held: true, holder: holder || 'unknown holder' };
    return holder ? { held: false, stale: holder } : { held: false };
  },
};

export const LOCK_READY = '__lbprov_lock_ready';
export const LOCK_BUSY = '__lbprov_lock_busy';

/** The holder script: takes the lock or reports who has it, then waits for its stdin to close. */
export function lockHolderScript(owner: string): string {
  return [
    `exec 9>>${LOCK_PATH}`,
    `if ! flock -n 9; then echo ${LOCK_BUSY}; cat ${LOCK_INFO_PATH} 2>/dev/null; echo; echo ${LOCK_READY}; exit 75; fi`,
    `printf '%s\\n' ${shellQuote(owner)} "pid $$" > ${LOCK_INFO_PATH}`,
    `echo ${LOCK_READY}`,
    'cat >/dev/null',
    `rm -f ${LOCK_INFO_PATH}`,
  ].join('\n');
}
