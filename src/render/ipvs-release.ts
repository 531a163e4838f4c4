import { shellQuote } from '../util/shell.js';
import { MANAGED_HEADER } from './header.js';

/**
 * Run by keepalived's init script (before a start, after a stop) and systemd unit (ExecStartPre,
 * ExecStopPost). Root-owned 0755 in lbprov's root-owned folder, beside the Redis check.
 */
export const IPVS_RELEASE_PATH = '/usr/local/libexec/lbprov/keepalived-release-ipvs';

/** The option that makes keepalived leave its IPVS services in place when it stops. */
export const KEEP_IPVS_ON_STOP_OPTION = '--dont-release-ipvs';

/**
 * keepalived stops its health-check process and its VRRP process at the same time, so the checker
 * can delete the IPVS services while the VIP is still on this director: for that moment every packet
 * to the VIP reaches this host's own TCP stack, which resets the connection. keepalived therefore
 * runs with --dont-release-ipvs, and this script removes the services once keepalived is gone and
 * the VIP with it. It never removes them while this host still holds the VIP
 * (a killed keepalived leaves it behind): they keep serving whoever still reaches this director.
 *
 * Only TCP services on the VIP are touched: they are the ones lbprov's keepalived.conf declares; any
 * other IPVS service on the host is the operator's. Always exits 0: a start or stop must not fail
 * for it; what it did or left is on stdout/stderr (the init system's log).
 */
export function renderIpvsRelease(opts: { vip: string; ipvsadm: string; keepalived: string }): string {
  return `#!/bin/sh
${MANAGED_HEADER}
#
# Removes keepalived's IPVS services on ${opts.vip} once keepalived has stopped and the VIP has left
# this host (keepalived runs with ${KEEP_IPVS_ON_STOP_OPTION}, so connections go on until then).

VIP=${shellQuote(opts.vip)}
IPVSADM=${shellQuote(opts.ipvsadm)}
KEEPALIVED=${shellQuote(opts.keepalived)}
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

printf '%s\\n' "$rules" | while read -r add protocol service rest; do
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
`;
}
