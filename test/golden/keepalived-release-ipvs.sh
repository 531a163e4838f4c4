#!/bin/sh
# Managed by lbprov: changes made here are overwritten by the next `lbprov apply`.
# To change this file, edit the inventory and re-run `lbprov apply`.
#
# Removes keepalived's IPVS services on 192.168.56.10 once keepalived has stopped and the VIP has left
# this host (keepalived runs with --dont-release-ipvs, so connections go on until then).

VIP='192.168.56.10'
IPVSADM='/sbin/ipvsadm'
KEEPALIVED='/usr/local/keepalived/sbin/keepalived'
WAIT_SECONDS=10

# By the binary, not by name: the init script that runs this is called keepalived too. A binary
# replaced while it runs shows as "(deleted)".
keepalived_runs() {
    ls -l /proc/[0-9]*/exe 2>/dev/null | sed -n 's/.* -> //p' |
        grep -qxF -e "$KEEPALIVED" -e "$KEEPALIVED (deleted)"
}

# No ipvsadm, or a kernel without IPVS: nothing was balanced, nothing to remove.
[ -x "$IPVSADM" ] || exit 0
rules=$("$IPVSADM" -S -n 2>/dev/null) || exit 0

# keepalived's parent exits before its VRRP child has withdrawn the VIP.
waited=0
while keepalived_runs; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
        echo "keepalived still runs $WAIT_SECONDS s after it was told to stop: its IPVS services on $VIP stay" >&2
        exit 0
    fi
    sleep 1
    waited=$((waited + 1))
done

if ip -o -4 addr show 2>/dev/null | grep -qF " inet $VIP/"; then
    echo "keepalived is not running but $VIP is still on this host: its IPVS services on $VIP stay, serving whoever reaches it" >&2
    exit 0
fi

printf '%s\n' "$rules" | while read -r add protocol service rest; do
    [ "$add" = -A ] && [ "$protocol" = -t ] || continue
    case "$service" in
        "$VIP":*)
            if "$IPVSADM" -D -t "$service"; then
                echo "removed IPVS service $service: keepalived is gone and so is the VIP"
            else
                echo "could not remove IPVS service $service; remove it with: $IPVSADM -D -t $service" >&2
            fi
            ;;
    esac
done
exit 0
