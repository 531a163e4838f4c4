import { shellQuote } from '../util/shell.js';
import { MANAGED_HEADER } from './header.js';

/** Where the ARP settings persist; systemd-sysctl and `sysctl --system` apply it at boot. */
export const ARP_SYSCTL_PATH = '/etc/sysctl.d/90-lbprov-lvs-dr.conf';

/** The LSB name of the real-server script, and so of its SysV service and systemd unit. */
export const REAL_SERVER_SERVICE = 'lbprov-realserver';

/**
 * The real-server script the how-to meant to write (defects 1-3, 16): a POSIX sh init script
 * that binds the VIP to `lo` for LVS direct routing and keeps the host from answering ARP for it.
 * `start` is idempotent; `status` exits 0 when everything is in place and 3 otherwise (LSB).
 */
export function renderRealServerScript(vip: string): string {
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${REAL_SERVER_SERVICE}
# Required-Start:    $network $remote_fs
# Required-Stop:     $network $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: LVS direct-routing real server: VIP on lo, no ARP for it
# Description:       Binds the load balancer's VIP to lo so this host accepts the
#                    packets the director routes to it, and stops it answering ARP
#                    for the VIP, which must reach the director only.
### END INIT INFO
${MANAGED_HEADER}

PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

# One variable, set and quoted: the how-to set VIP (a command) and used $vip (empty) (defect 1).
VIP=${shellQuote(vip)}
LABEL='lo:0'

vip_on_lo() {
    ip -4 -o addr show dev lo | grep -q -F " inet $VIP/32 "
}

arp_value() {
    cat "/proc/sys/net/ipv4/conf/$1/$2"
}

arp_settings_ok() {
    [ "$(arp_value all arp_ignore)" = 1 ] && [ "$(arp_value all arp_announce)" = 2 ] &&
        [ "$(arp_value lo arp_ignore)" = 1 ] && [ "$(arp_value lo arp_announce)" = 2 ]
}

set_arp() {
    for conf in all lo; do
        echo 1 > "/proc/sys/net/ipv4/conf/$conf/arp_ignore" || return 1
        echo 2 > "/proc/sys/net/ipv4/conf/$conf/arp_announce" || return 1
    done
}

start() {
    # ARP first: with the VIP up and ARP still answered, this host could steal the VIP's
    # traffic from the director. The same values persist in ${ARP_SYSCTL_PATH}.
    set_arp || { echo "cannot set the ARP sysctls" >&2; return 1; }
    # ip, not ifconfig: net-tools is gone from current distributions (defect 16).
    if ! vip_on_lo; then
        ip addr add "$VIP/32" dev lo label "$LABEL" || return 1
    fi
    echo "LVS-DR real server: $VIP on lo, ARP for it suppressed"
}

stop() {
    if vip_on_lo; then
        ip addr del "$VIP/32" dev lo || return 1
    fi
    # The ARP sysctls stay as they are: their owner is ${ARP_SYSCTL_PATH}.
    # Resetting them here would contradict that file until the next boot, and without the
    # VIP they are harmless (they only narrow which addresses this host answers ARP for).
    echo "LVS-DR real server: $VIP removed from lo"
}

status() {
    ok=0
    if vip_on_lo; then echo "$VIP is on lo"; else echo "$VIP is NOT on lo"; ok=3; fi
    if arp_settings_ok; then
        echo "ARP: arp_ignore=1, arp_announce=2 on all and lo"
    else
        echo "ARP settings are NOT arp_ignore=1, arp_announce=2 on all and lo"
        ok=3
    fi
    return "$ok"
}

case "$1" in
    start) start ;;
    stop) stop ;;
    restart | force-reload) stop && start ;;
    status) status ;;
    *)
        echo "Usage: $0 {start|stop|restart|force-reload|status}" >&2
        exit 2
        ;;
esac
`;
}

/** A systemd oneshot that runs the script at boot and keeps its "started" state until stop. */
export function renderRealServerUnit(scriptPath: string): string {
  return `${MANAGED_HEADER}

[Unit]
Description=LVS direct-routing real server: VIP on lo, no ARP for it (lbprov)
Wants=network-online.target
After=network-online.target
# Redis may bind the VIP itself, so the address must exist before it starts.
Before=redis-server.service redis.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${scriptPath} start
ExecStop=${scriptPath} stop

[Install]
WantedBy=multi-user.target
`;
}
