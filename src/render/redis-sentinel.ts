import { dirname } from 'node:path/posix';
import { SENTINEL_MASTER_NAME, SENTINEL_PORT } from '../model/redis-topology.js';
import { shellQuote } from '../util/shell.js';
import { MANAGED_HEADER } from './header.js';

/** The LSB name of lbprov's Sentinel service, and so of its SysV script and systemd unit. */
export const SENTINEL_SERVICE = 'lbprov-redis-sentinel';

/** Sentinel rewrites its configuration (rename in the folder): it lives in Redis's own /etc/redis. */
export const SENTINEL_CONF_PATH = '/etc/redis/lbprov-sentinel.conf';

/** The sha256 of the configuration lbprov last wrote (see the file module's `seed`). */
export const SENTINEL_SEED_RECORD_PATH = '/etc/redis/lbprov-sentinel.seed';

/** Debian's redis-server; Sentinel is the same program, so no redis-sentinel package is needed. */
export const REDIS_SERVER_BINARY = '/usr/bin/redis-server';

/**
 * Sentinel runs as this link to redis-server: the kernel names the process after the link, so
 * `pidof redis-server` (how Redis is judged running) never mistakes a Sentinel for Redis, and
 * `pidof redis-sentinel` finds it.
 */
export const SENTINEL_BINARY = '/usr/local/lib/lbprov/redis-sentinel';
export const SENTINEL_PROCESS = 'redis-sentinel';

/** Written by start-stop-daemon (SysV); Sentinel itself, user redis, could not write into /run. */
export const SENTINEL_PID_FILE = `/run/${SENTINEL_SERVICE}.pid`;

/** `sentinel auth-pass <name> <password>`, quoted as Sentinel rewrites it; the first group is the password. */
export const SENTINEL_SECRET_REGEXP = '^\\s*sentinel\\s+auth-pass\\s+\\S+\\s+"?([^"\\s]+)';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export interface SentinelConfOptions {
  /** This host's address (or name): Sentinel listens on it and announces it, never the VIP. */
  host: string;
  primary: { host: string; port: number };
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  /** The resolved redis.password (checked one word), absent when the inventory sets none. */
  password?: string;
}

/**
 * What lbprov seeds Sentinel with. Sentinel adds its id, the replicas and other Sentinels it finds,
 * and after a failover the new primary, by rewriting this file: lbprov writes it again only when
 * this text changes (the inventory's intent), never to undo what Sentinel learnt.
 */
export function renderSentinelConf(opts: SentinelConfOptions): string {
  const names = !IPV4.test(opts.host) || !IPV4.test(opts.primary.host);
  return [
    '# Written by lbprov from the inventory (redis.sentinel). Redis Sentinel rewrites this file as it',
    '# learns the cluster and after every failover; lbprov writes it again only when the inventory',
    '# changes what it asks for. To change it, edit the inventory and re-run `lbprov apply`.',
    `port ${SENTINEL_PORT}`,
    // The host's own address: real servers also hold the VIP (on lo), which is the directors' to answer.
    IPV4.test(opts.host)
      ? `bind 127.0.0.1 ${opts.host}`
      : '# bind: every address (the host is named, not an IPv4 address)',
    'daemonize no',
    // Standard output: the journal under systemd.
    'logfile ""',
    'dir /var/lib/redis',
    ...(names ? ['sentinel resolve-hostnames yes', 'sentinel announce-hostnames yes'] : []),
    `sentinel announce-ip ${opts.host}`,
    `sentinel monitor ${SENTINEL_MASTER_NAME} ${opts.primary.host} ${opts.primary.port} ${opts.quorum}`,
    `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${opts.downAfterMs}`,
    `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${opts.failoverTimeoutMs}`,
    ...(opts.password === undefined ? [] : [`sentinel auth-pass ${SENTINEL_MASTER_NAME} ${opts.password}`]),
    '',
  ].join('\n');
}

/**
 * A SysV script for hosts without systemd: start-stop-daemon runs Sentinel in the background as
 * user redis and keeps its pid; status names the process by that pid, not by name. Umask 007, as
 * Debian starts Redis: Sentinel rewrites its file (auth-pass in it) with a mode its umask narrows.
 */
export function renderSentinelInitScript(): string {
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${SENTINEL_SERVICE}
# Required-Start:    $network $remote_fs
# Required-Stop:     $network $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Redis Sentinel for lbprov's primary-replica cluster
### END INIT INFO
${MANAGED_HEADER}

PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

DAEMON=${shellQuote(SENTINEL_BINARY)}
CONFIG=${shellQuote(SENTINEL_CONF_PATH)}
PIDFILE=${shellQuote(SENTINEL_PID_FILE)}

running() {
    [ -s "$PIDFILE" ] && [ "$(cat "/proc/$(cat "$PIDFILE")/comm" 2>/dev/null)" = ${SENTINEL_PROCESS} ]
}

start() {
    if running; then echo "Redis Sentinel is running"; return 0; fi
    start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \\
        --chuid redis:redis --umask 007 --startas "$DAEMON" -- "$CONFIG" --sentinel
}

stop() {
    if ! running; then rm -f "$PIDFILE"; return 0; fi
    start-stop-daemon --stop --quiet --pidfile "$PIDFILE" --retry TERM/10/KILL/5 --remove-pidfile
}

case "$1" in
    start) start ;;
    stop) stop ;;
    restart | force-reload) stop && start ;;
    status)
        if running; then echo "Redis Sentinel is running"; else echo "Redis Sentinel is NOT running"; exit 3; fi
        ;;
    *)
        echo "Usage: $0 {start|stop|restart|force-reload|status}" >&2
        exit 2
        ;;
esac
`;
}

/** The systemd unit: Sentinel in the foreground as user redis. */
export function renderSentinelUnit(): string {
  return `${MANAGED_HEADER}

[Unit]
Description=Redis Sentinel for lbprov's primary-replica cluster (lbprov)
Wants=network-online.target
After=network-online.target redis-server.service

[Service]
Type=simple
User=redis
Group=redis
UMask=0007
ExecStart=${SENTINEL_BINARY} ${SENTINEL_CONF_PATH} --sentinel
Restart=on-failure

[Install]
WantedBy=multi-user.target
`;
}

/** Creates SENTINEL_BINARY; without redis-server it stops with what to install. */
export function sentinelLinkCommand(): string {
  const server = shellQuote(REDIS_SERVER_BINARY);
  const link = shellQuote(SENTINEL_BINARY);
  return [
    `if [ ! -x ${server} ]; then echo ${shellQuote(`Redis Sentinel needs ${REDIS_SERVER_BINARY}: install the redis-server package (or set redis.install: true)`)} >&2; exit 1; fi`,
    `mkdir -p ${shellQuote(dirname(SENTINEL_BINARY))} && ln -s ${server} ${link}`,
  ].join('\n');
}

/** Removes the link, and its folder once nothing else of lbprov's is in it. */
export function sentinelUnlinkCommand(): string {
  const folder = shellQuote(dirname(SENTINEL_BINARY));
  return `rm -f ${shellQuote(SENTINEL_BINARY)}; rmdir ${folder} 2>/dev/null || true`;
}
