import type { Vip } from '../model/inventory.js';
import { MANAGED_HEADER } from './header.js';

/**
 * `/etc/sysconfig/network-scripts/ifcfg-<interface>:0`, the VIP alias the how-to asks for, made
 * inert (defect 11): keepalived alone adds and removes the VIP. Brought up at boot on both
 * directors it would put the VIP on both at once and defeat VRRP.
 */
export function renderIfcfgAlias(interfaceName: string, vip: Vip): string {
  return `${MANAGED_HEADER}
#
# Documents the VIP only: keepalived (VRRP) alone puts it on the MASTER director.
# ONPARENT=no matters most: ifup-aliases brings aliases up with their parent interface
# whatever ONBOOT says. Beware that \`service network restart\` still flushes the VIP
# keepalived added; restart keepalived afterwards.
DEVICE=${interfaceName}:0
BOOTPROTO=none
IPADDR=${vip.address}
PREFIX=${vip.prefix_length}
NETMASK=${prefixToNetmask(vip.prefix_length)}
ONBOOT=no
ONPARENT=no
NM_CONTROLLED=no
`;
}

function prefixToNetmask(prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}
