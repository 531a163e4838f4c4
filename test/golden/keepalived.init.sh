#!/bin/sh
### BEGIN INIT INFO
# Provides:          keepalived
# Required-Start:    $network $remote_fs $syslog
# Required-Stop:     $network $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: keepalived: VRRP failover and LVS health checks
### END INIT INFO
# Managed by lbprov: changes made here are overwritten by the next `lbprov apply`.
# To change this file, edit the inventory and re-run `lbprov apply`.

PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

DAEMON='/usr/local/keepalived/sbin/keepalived'
PIDFILE='/var/run/keepalived.pid'
CONFIG='/etc/keepalived/keepalived.conf'
DEFAULTS='/etc/default/keepalived'
IPVS_RELEASE='/usr/local/libexec/lbprov/keepalived-release-ipvs'
START_TIMEOUT=10
STOP_TIMEOUT=10
# keepalived writes its pid file before its children have initialised; when one cannot (e.g.
# "IPVS: Can't initialize ipvs" on a kernel without IPVS), the daemon exits a moment later.
SETTLE_SECONDS=2

KEEPALIVED_OPTIONS='-D'
# shellcheck source=/dev/null
[ -r "$DEFAULTS" ] && . "$DEFAULTS"

# Succeeds when process $1 exists and is keepalived (a stale pid file may name a reused pid).
is_keepalived() {
    kill -0 "$1" 2>/dev/null || return 1
    case "$(tr '\000' ' ' < "/proc/$1/cmdline" 2>/dev/null)" in
        *keepalived*) return 0 ;;
        *) return 1 ;;
    esac
}

# Prints the pid of the running keepalived and succeeds, or fails when none runs.
running_pid() {
    [ -r "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE" 2>/dev/null)
    case "$pid" in
        '' | *[!0-9]*) return 1 ;;
    esac
    is_keepalived "$pid" || return 1
    echo "$pid"
}

# keepalived keeps its IPVS services through its stop (--dont-release-ipvs); this removes
# them once it and the VIP are gone, and before a start removes what a killed keepalived left.
release_ipvs() {
    [ ! -x "$IPVS_RELEASE" ] || "$IPVS_RELEASE"
}

start() {
    if pid=$(running_pid); then
        echo "keepalived is already running (pid $pid)"
        return 0
    fi
    if [ ! -x "$DAEMON" ]; then
        echo "$DAEMON is missing or not executable" >&2
        return 5
    fi
    # A stale pid file would make the wait below succeed at once.
    rm -f "$PIDFILE"
    release_ipvs
    # allow_vrrp_only is decided at each start from the running kernel, so a kernel with IPVS
    # never falls back and a kernel without it keeps VRRP alive (keepalived would otherwise exit
    # at start with "IPVS: Can't initialize ipvs", taking VRRP down with it).
    if [ "${LBPROV_VRRP_ONLY_WITHOUT_IPVS:-no}" = yes ] && [ ! -e /proc/net/ip_vs ] && ! modprobe -q ip_vs 2>/dev/null; then
        echo "WARNING: this kernel has no IPVS: starting keepalived VRRP-only (--vrrp); nothing is load-balanced" >&2
        KEEPALIVED_OPTIONS="$KEEPALIVED_OPTIONS --vrrp"
    fi
    # KEEPALIVED_OPTIONS holds several options: it must be split into words.
    # shellcheck disable=SC2086
    if ! "$DAEMON" $KEEPALIVED_OPTIONS -p "$PIDFILE" -f "$CONFIG"; then
        echo "keepalived failed to start; see the system log" >&2
        return 1
    fi
    waited=0
    until pid=$(running_pid); do
        if [ "$waited" -ge "$START_TIMEOUT" ]; then
            echo "keepalived did not come up within ${START_TIMEOUT}s; see the system log" >&2
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    sleep "$SETTLE_SECONDS"
    if ! is_keepalived "$pid"; then
        echo "keepalived exited right after starting; see the system log" >&2
        return 1
    fi
    echo "keepalived started (pid $pid)"
}

stop() {
    if ! pid=$(running_pid); then
        rm -f "$PIDFILE"
        echo "keepalived is not running"
        return 0
    fi
    # TERM lets keepalived withdraw the VIP. Never escalate to KILL: a killed MASTER keeps the
    # VIP, and then both directors hold it.
    kill -TERM "$pid"
    waited=0
    while is_keepalived "$pid"; do
        if [ "$waited" -ge "$STOP_TIMEOUT" ]; then
            echo "keepalived (pid $pid) did not stop within ${STOP_TIMEOUT}s" >&2
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    release_ipvs
    echo "keepalived stopped"
}

reload() {
    if ! pid=$(running_pid); then
        echo "keepalived is not running" >&2
        return 7
    fi
    # HUP: keepalived re-reads its configuration without dropping the VIP.
    kill -HUP "$pid"
    echo "keepalived reloading its configuration (pid $pid)"
}

status() {
    if pid=$(running_pid); then
        echo "keepalived is running (pid $pid)"
        return 0
    fi
    if [ -e "$PIDFILE" ]; then
        echo "keepalived is not running, but $PIDFILE exists"
        return 1
    fi
    echo "keepalived is not running"
    return 3
}

case "$1" in
    start) start ;;
    stop) stop ;;
    restart) stop && start ;;
    reload | force-reload) reload ;;
    status) status ;;
    *)
        echo "Usage: $0 {start|stop|restart|reload|force-reload|status}" >&2
        exit 2
        ;;
esac
