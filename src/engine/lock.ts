import type { Fact } from '../facts/fact.js';
import { shellQuote } from '../util/shell.js';
import { RECORD_DIR, STAGE_DIR } from './record.js';

/**
 * One apply at a time per host. The lock is an flock held by a shell that lives as long as the SSH
 * session: if lbprov dies or the connection drops, the kernel releases it, so a dead run cannot
 * wedge the host. The info file beside it says who holds it; an info file whose lock is free is
 * the trace of a run that died.
 */
export const LOCK_PATH = '/run/lbprov.lock';
const LOCK_INFO_PATH = '/run/lbprov.lock.info';

/** `staged`: files a run uploaded and did not consume before it died (they may hold secrets). */
export type LockState = ({ held: false; stale?: string } | { held: true; holder: string }) & {
  staged: number;
};

const STAGED_PREFIX = 'staged ';

export const lockFact: Fact<LockState> = {
  key: 'lbprov-lock',
  command: [
    `if [ -e ${LOCK_PATH} ] && ! flock -n ${LOCK_PATH} true; then echo held; else echo free; fi`,
    `echo "${STAGED_PREFIX}$(ls -A ${STAGE_DIR} 2>/dev/null | wc -l)"`,
    `cat ${LOCK_INFO_PATH} 2>/dev/null`,
  ].join('\n'),
  parse(output) {
    const [state = '', ...rest] = output.split('\n');
    const stagedLine = rest.find((line) => line.startsWith(STAGED_PREFIX));
    const staged = Number(stagedLine?.slice(STAGED_PREFIX.length).trim() ?? 0) || 0;
    const holder = rest
      .filter((line) => line !== stagedLine)
      .join(' ')
      .trim();
    if (state.trim() === 'held') return { held: true, holder: holder || 'unknown holder', staged };
    return holder ? { held: false, stale: holder, staged } : { held: false, staged };
  },
};

export const LOCK_READY = '__lbprov_lock_ready';
export const LOCK_BUSY = '__lbprov_lock_busy';
export const STAGE_UNWRITABLE = '__lbprov_stage_unwritable';

/**
 * The holder script: takes the lock or reports who has it, then waits for its stdin to close.
 * Holding the lock, it empties the stage (what a dead run left there) and gives it to the
 * connecting user, who uploads over SFTP: root, or the sudo user. The record directory stays
 * closed to listing (0711) so that user can reach the stage.
 */
export function lockHolderScript(owner: string): string {
  return [
    `exec 9>>${LOCK_PATH}`,
    `if ! flock -n 9; then echo ${LOCK_BUSY}; cat ${LOCK_INFO_PATH} 2>/dev/null; echo; echo ${LOCK_READY}; exit 75; fi`,
    `printf '%s\\n' ${shellQuote(owner)} "pid $$" > ${LOCK_INFO_PATH}`,
    `if ! { mkdir -p ${RECORD_DIR} && chmod 0711 ${RECORD_DIR} && rm -rf ${STAGE_DIR} && mkdir -m 0700 ${STAGE_DIR} && chown "\${SUDO_USER:-root}" ${STAGE_DIR}; } 2>&1; then echo ${STAGE_UNWRITABLE}; echo ${LOCK_READY}; exit 73; fi`,
    `echo ${LOCK_READY}`,
    'cat >/dev/null',
    `rm -f ${LOCK_INFO_PATH}`,
  ].join('\n');
}
