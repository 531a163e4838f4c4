import { shellQuote } from '../util/shell.js';
import { MANAGED_HEADER } from './header.js';
import { IPVS_RELEASE_PATH, KEEP_IPVS_ON_STOP_OPTION } from './ipvs-release.js';
import { KEEPALIVED_CONF_PATH } from './keepalived-conf.js';

/** The pid file the systemd unit passes with `-p` (systemd hosts always have /run). */

const UNIT_PID_FILE = '/run/keepalived.pid';

/** A unit's command line that runs the IPVS release where it is installed, and never fails the unit. */
const RELEASE_IF_INSTALLED = `-/bin/sh -c '[ ! -x ${IPVS_RELEASE_PATH} ] || exec ${IPVS_RELEASE_PATH}'`;

interface KeepalivedInitOptions {
  /** keepalived's install prefix; the binary is `<prefix>/sbin/keepalived`. */
  prefix: string;
  /** Passed to keepalived with `-p`, so the script and the daemon agree on it. */
  pidFile: string;
  /** `/etc/default/keepalived` (Debian family) or `/etc/sysconfig/keepalived` (Red Hat family). */
  defaultsPath: string;
}

/**
 * Our own SysV init script for keepalived. The tarball's script sources
 * /etc/rc.d/init.d/functions, which Debian lacks (defect 2), and trusts exit codes: keepalived
 * forks and its parent exits 0 before it has even read its configuration, so `service keepalived
 * start` "succeeds" while keepalived dies. This script judges by the process instead.
 */
export function renderKeepalivedInitScript(opts: KeepalivedInitOptions): string {
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          keepalived
# Required-Start:    $network $remote_fs $syslog
# Required-Stop:     $network $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: keepalived: VRRP failover and LVS health checks
### END INIT INFO
${MANAGED_HEADER}

PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

DAEMON=${shellQuote(`${opts.prefix}/sbin/keepalived`)}
PIDFILE=${shellQuote(opts.pidFile)}
CONFIG=${shellQuote(KEEPALIVED_CONF_PATH)}
DEFAULTS=${shellQuote(opts.defaultsPath)}
IPVS_RELEASE=${shellQuote(IPVS_RELEASE_PATH)}
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
    case "$(tr '\\000' ' ' < "/proc/$1/cmdline" 2>/dev/null)" in
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

# keepalived keeps its IPVS services through its stop (${KEEP_IPVS_ON_STOP_OPTION}); this removes
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
    if [ "\${LBPROV_VRRP_ONLY_WITHOUT_IPVS:-no}" = yes ] && [ ! -e /proc/net/ip_vs ] && ! modprobe -q ip_vs 2>/dev/null; then
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
            echo "keepalived did not come up within \${START_TIMEOUT}s; see the system log" >&2
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
            echo "keepalived (pid $pid) did not stop within \${STOP_TIMEOUT}s" >&2
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
`;
}

/**
 * A systemd unit for hosts that run systemd. Type=forking makes `systemctl start` wait for the
 * daemon's parent to exit and its pid file to appear; Type=simple would report success at once.
 */
export function renderKeepalivedUnit(prefix: string, defaultsPath: string): string {
  return `${MANAGED_HEADER}

[Unit]
Description=keepalived: VRRP failover and LVS health checks (lbprov)
Documentation=man:keepalived(8) man:keepalived.conf(5)
Wants=network-online.target
After=network-online.target

[Service]
Type=forking
PIDFile=${UNIT_PID_FILE}
# keepalived's parent stops its own children on TERM.
KillMode=process
EnvironmentFile=-${defaultsPath}
# allow_vrrp_only is decided at each start from the running kernel (see the defaults file);
# $$ keeps systemd from expanding what the shell must.
ExecStart=/bin/sh -c 'if [ "$\${LBPROV_VRRP_ONLY_WITHOUT_IPVS:-no}" = yes ] && [ ! -e /proc/net/ip_vs ] && ! modprobe -q ip_vs; then set -- --vrrp; fi; exec ${prefix}/sbin/keepalived $$KEEPALIVED_OPTIONS "$$@" -p ${UNIT_PID_FILE} -f ${KEEPALIVED_CONF_PATH}'
ExecReload=/bin/kill -HUP $MAINPID
# keepalived keeps its IPVS services through its stop (${KEEP_IPVS_ON_STOP_OPTION}); this removes
# them once it and the VIP are gone, and before a start removes what a killed keepalived left.
ExecStartPre=${RELEASE_IF_INSTALLED}
ExecStopPost=${RELEASE_IF_INSTALLED}

[Install]
WantedBy=multi-user.target
`;
}

/**
 * The options file both the init script (sourced by sh) and the unit (EnvironmentFile) read.
 * `-D` (--log-detail) logs in detail. With allow_vrrp_only, the init script or unit adds `--vrrp`
 * at start when, and only when, the running kernel has no IPVS.
 */
export function renderKeepalivedDefaults(opts: { vrrpOnlyWithoutIpvs: boolean }): string {
  const options = `${MANAGED_HEADER}
#
# Options for keepalived, read by its init script or systemd unit.
# -D (--log-detail): detailed log messages.
# ${KEEP_IPVS_ON_STOP_OPTION}: keepalived stops its VRRP and health-check processes at once, and
#   the checker would delete the IPVS services while the VIP is still here, resetting every
#   connection through it; the init script or unit removes them once keepalived and the VIP
#   are gone (${IPVS_RELEASE_PATH}).
KEEPALIVED_OPTIONS="-D ${KEEP_IPVS_ON_STOP_OPTION}"
`;
  if (!opts.vrrpOnlyWithoutIpvs) return options;
  return `${options}#
# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
# !!  VRRP-ONLY DEGRADED MODE IS ALLOWED: WITHOUT IPVS THIS DIRECTOR BALANCES NOTHING !!
# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
# The inventory sets allow_vrrp_only. Where the running kernel has no IPVS, keepalived
# would exit at start ("IPVS: Can't initialize ipvs") because of the virtual_server
# block, and VRRP would die with it; the init script or unit then adds --vrrp, which
# runs the VRRP subsystem alone: the VIP still fails over, but no IPVS service exists
# and no health check runs, so traffic to the VIP reaches no Redis server.
# On a kernel with IPVS this changes nothing. Remove allow_vrrp_only from the inventory
# and re-run \`lbprov apply\` to forbid the fallback.
LBPROV_VRRP_ONLY_WITHOUT_IPVS=yes
`;
}
