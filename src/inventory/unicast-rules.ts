import { isVersionBelow } from '../render/version.js';
import type { Finding } from './finding.js';
import { isIpv4 } from './ipv4.js';
import type { ParsedSections } from './rules.js';

/**
 * keepalived's ChangeLog: 1.2.8 (2013-09-05) added `unicast_peer`; 1.2.10 (2014-01-02) added
 * `unicast_src_ip`, until then spelt `mcast_src_ip`. lbprov writes both, so it needs 1.2.10.
 * Older parsers skip a keyword they do not know, and neither result is a working pair: 1.2.8 and
 * 1.2.9 send from whichever address the interface lists first; before 1.2.8 the parser skips
 * `unicast_peer {` but not its `}`, which closes vrrp_instance early, so the authentication and
 * the VIP written after it are lost.
 */
const FIRST_KEEPALIVED_WITH_UNICAST_PEER = '1.2.8';
const FIRST_KEEPALIVED_WITH_UNICAST_SRC_IP = '1.2.10';

/** What `vrrp.unicast: true` asks of the rest of the inventory. */
export function unicastErrors(sections: ParsedSections): Finding[] {
  if (sections.vrrp?.unicast !== true) return [];
  return [...unicastVersion(sections.keepalived?.version), ...unicastAddresses(sections.directors)];
}

function unicastVersion(version: string | undefined): Finding[] {
  // Without a sound keepalived section there is no version to judge; that section's error says why.
  if (version === undefined || !isVersionBelow(version, FIRST_KEEPALIVED_WITH_UNICAST_SRC_IP)) return [];
  return [
    {
      path: ['vrrp', 'unicast'],
      message: `keepalived ${version} cannot send VRRP by unicast as lbprov writes it: unicast_peer came in ${FIRST_KEEPALIVED_WITH_UNICAST_PEER}, unicast_src_ip in ${FIRST_KEEPALIVED_WITH_UNICAST_SRC_IP}`,
      hint: `keep multicast (leave vrrp.unicast out or set it to false), or use keepalived ${FIRST_KEEPALIVED_WITH_UNICAST_SRC_IP} or later, e.g. 2.2.7`,
    },
  ];
}

/** keepalived reads unicast_src_ip and unicast_peer as addresses; it resolves no names there. */
function unicastAddresses(directors: ParsedSections['directors']): Finding[] {
  return (directors ?? []).flatMap(({ host }, index) =>
    host === undefined || isIpv4(host)
      ? []
      : [
          {
            path: ['directors', index, 'host'],
            message: `"${host}" is a name; with vrrp.unicast a director's host is also its VRRP source address (unicast_src_ip) and a peer address of the other directors (unicast_peer), which keepalived takes only as IPv4 addresses`,
            hint: "write the director's IPv4 address on the VRRP interface (name: can keep the name for output), or leave vrrp.unicast off",
          },
        ],
  );
}
