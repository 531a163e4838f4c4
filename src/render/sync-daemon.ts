import type { Director, Inventory } from '../model/inventory.js';
import { shellQuote } from '../util/shell.js';
import type { KeepalivedSyntax } from './keepalived-conf.js';

/**
 * keepalived before 1.2.20 restarts its IPVS sync daemon on reload without naming the interface
 * (vrrp.c reset_vrrp_state: ipvs_syncd_cmd(IPVS_STARTDAEMON, NULL, ...)), which the kernel refuses,
 * so every reload would silently end connection sync until the next VRRP transition. After such a
 * reload lbprov starts the daemon keepalived meant to start: master where this director holds the
 * VIP, backup elsewhere, with the VRID as sync id, as keepalived does at its own transitions.
 * Empty where there is nothing to repair (later versions, or no connection sync).
 */
export function renderSyncDaemonAfterReload(
  inv: Inventory,
  director: Director,
  opts: { syntax: KeepalivedSyntax; ipvsadm: string },
): string {
  if (!inv.service.connection_sync || opts.syntax !== '1.2') return '';
  const ipvsadm = shellQuote(opts.ipvsadm);
  const device = shellQuote(director.interface);
  const vip = `${inv.vrrp.vip.address}/`;
  const syncid = inv.vrrp.virtual_router_id;
  return [
    `if ip -o -4 addr show dev ${device} | grep -q -F ${shellQuote(` ${vip}`)}; then state=master; else state=backup; fi`,
    `${ipvsadm} --stop-daemon "$state" 2>/dev/null || true`,
    `${ipvsadm} --start-daemon "$state" --mcast-interface ${device} --syncid ${syncid}`,
  ].join('\n');
}
