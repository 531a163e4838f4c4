import { isVersionBelow } from '../render/version.js';
import type { Finding } from './finding.js';
import type { ParsedSections } from './rules.js';

/**
 * keepalived's ChangeLog: 1.1.8 added `nopreempt` and `preempt_delay` (0 to 1000 seconds); the
 * older `preempt` keyword "was not fully implemented". An older parser skips both keywords, so the
 * preferred director would take the VIP back at once, the opposite of what the inventory asks.
 * 1.2.0 parses both (vrrp_parser.c: nopreempt, preempt_delay with atoi, 0 to TIMER_MAX_SEC 1000).
 */
const FIRST_KEEPALIVED_WITH_NOPREEMPT = '1.1.8';

/**
 * What `vrrp.preempt` and `vrrp.preempt_delay` ask of the rest of the inventory. keepalived honours
 * either only on a director whose configured state is BACKUP (2.x clears both after state MASTER;
 * 1.2.x goes MASTER at start without looking at them): lbprov renders every director as BACKUP
 * then, so the inventory's MASTER needs no rule here and keeps naming the preferred director.
 */
export function preemptionErrors(sections: ParsedSections): Finding[] {
  const vrrp = sections.vrrp;
  if (vrrp === undefined) return [];
  const findings: Finding[] = [];
  if (!vrrp.preempt && vrrp.preempt_delay > 0) {
    findings.push({
      path: ['vrrp', 'preempt_delay'],
      message: `is ${vrrp.preempt_delay} with preempt: false; a director that never takes the VIP back has nothing to delay (keepalived 2.x resets preempt_delay under nopreempt, 1.2.x never reaches it)`,
      hint: 'remove preempt_delay to leave the VIP where a failover put it, or set preempt: true to have the preferred director take it back preempt_delay seconds after its keepalived starts',
    });
  }
  const version = sections.keepalived?.version;
  // Without a sound keepalived section there is no version to judge; that section's error says why.
  if (version !== undefined && isVersionBelow(version, FIRST_KEEPALIVED_WITH_NOPREEMPT)) {
    const asked: { key: 'preempt' | 'preempt_delay'; keyword: string }[] = [
      ...(vrrp.preempt ? [] : [{ key: 'preempt' as const, keyword: 'nopreempt' }]),
      ...(vrrp.preempt_delay > 0 ? [{ key: 'preempt_delay' as const, keyword: 'preempt_delay' }] : []),
    ];
    for (const { key, keyword } of asked) {
      findings.push({
        path: ['vrrp', key],
        message: `keepalived ${version} has no ${keyword} (it came in ${FIRST_KEEPALIVED_WITH_NOPREEMPT}) and skips it: the preferred director would take the VIP back at once`,
        hint: `leave vrrp.${key} out (preempt at once), or use keepalived ${FIRST_KEEPALIVED_WITH_NOPREEMPT} or later, e.g. 1.2.0 or 2.2.7`,
      });
    }
  }
  return findings;
}
