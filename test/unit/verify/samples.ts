// Command output as the lab and a Debian 12 director with IPVS print it, for the parser and
// decision tests. `\` and the lifetimes are part of `ip -o` output.
import type { Evidence } from '../../../src/engine/events.js';

export const VIP = '192.168.56.200';

export const DIRECTOR_ADDRESSES_WITH_VIP = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.168.56.10/24 brd 192.168.56.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.168.56.200/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever',
].join('\n');

export const BACKUP_ADDRESSES = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.168.56.11/24 brd 192.168.56.255 scope global eth0\\       valid_lft forever preferred_lft forever',
].join('\n');

export const BACKUP_ADDRESSES_WITH_VIP = `${BACKUP_ADDRESSES}\n2: eth0    inet 192.168.56.200/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever`;

export const REAL_SERVER_ADDRESSES = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '1: lo    inet 192.168.56.200/32 scope global lo:0\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.168.56.21/24 brd 192.168.56.255 scope global eth0\\       valid_lft forever preferred_lft forever',
].join('\n');

export const IPVSADM_LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.56.200:6379 rr
  -> 192.168.56.21:6379           Route   1      0          0
  -> 192.168.56.22:6379           Route   1      3          12
UDP  10.0.0.5:53 wlc persistent 50
  -> 10.0.0.6:53                  Masq    2      0          0
`;

export const ARP_GOOD = [
  '/proc/sys/net/ipv4/conf/all/arp_ignore:1',
  '/proc/sys/net/ipv4/conf/default/arp_ignore:0',
  '/proc/sys/net/ipv4/conf/eth0/arp_ignore:0',
  '/proc/sys/net/ipv4/conf/lo/arp_ignore:1',
  '/proc/sys/net/ipv4/conf/all/arp_announce:2',
  '/proc/sys/net/ipv4/conf/default/arp_announce:0',
  '/proc/sys/net/ipv4/conf/eth0/arp_announce:0',
  '/proc/sys/net/ipv4/conf/lo/arp_announce:2',
  '/proc/sys/net/ipv4/conf/all/rp_filter:2',
  '/proc/sys/net/ipv4/conf/default/rp_filter:1',
  '/proc/sys/net/ipv4/conf/eth0/rp_filter:1',
  '/proc/sys/net/ipv4/conf/lo/rp_filter:0',
].join('\n');

export const SS_REDIS = `State  Recv-Q Send-Q  Local Address:Port  Peer Address:PortProcess
LISTEN 0      511    192.168.56.200:6379       0.0.0.0:*
LISTEN 0      511     192.168.56.21:6379       0.0.0.0:*
LISTEN 0      511         127.0.0.1:6379       0.0.0.0:*`;

export function evidence(host: string, command: string, output: string, exitCode = 0): Evidence {
  return { host, command, output, exit_code: exitCode };
}
