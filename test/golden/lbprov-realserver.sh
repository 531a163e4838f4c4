#!/bin/sh
### BEGIN INIT INFO
# Provides:          lbprov-realserver
# Required-Start:    $network $remote_fs
# Required-Stop:     $network $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: LVS direct-routing real server: VIP on lo, no ARP for it
# Description:       Binds the load balancer's VIP to lo so this host accepts the
#                    packets the director routes to it, and stops it answering ARP
#                    for the VIP, which must reach the director only.
### END INIT INFO
# Managed by lbprov: changes made here are overwritten by the next `lbprov apply`.
# To change this file, edit the inventory and re-run `lbprov apply`.

PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

# One variable, set and quoted: the how-to set VIP (a command) and used $vip (empty) (defect 1).
VIP='10.8.80.200'
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
    # traffic from the director. The same values persist in /etc/sysctl.d/90-lbprov-lvs-dr.conf.
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
    # The ARP sysctls stay as they are: their owner is /etc/sysctl.d/90-lbprov-lvs-dr.conf.
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
