import type { Finding } from './finding.js';
import type { ParsedSections } from './rules.js';

/**
 * keepalived 2.x's VRRP process starts IPVS before the sync daemon and exits when it cannot
 * (vrrp_daemon.c: ipvs_start() != IPVS_SUCCESS -> stop_vrrp(KEEPALIVED_EXIT_FATAL)), so on a kernel
 * without IPVS, which allow_vrrp_only admits, asking for connection sync would take VRRP down too.
 */
export function connectionSyncErrors(sections: ParsedSections): Finding[] {
  if (sections.service?.connection_sync !== true || sections.allow_vrrp_only !== true) return [];
  return [
    {
      path: ['service', 'connection_sync'],
      message:
        'is true while allow_vrrp_only admits directors without IPVS, where there is no connection table to sync and keepalived 2.x exits instead of running VRRP',
      hint: 'remove connection_sync (it is on by default where allow_vrrp_only is false), or set allow_vrrp_only: false when every director has IPVS',
    },
  ];
}
