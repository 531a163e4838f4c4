import { MANAGED_HEADER } from './header.js';

/**
 * lbprov's Redis health check, which keepalived's MISC_CHECK runs against every real server. It is
 * bash, not a compiled program or redis-cli, so directors need nothing new: bash and coreutils'
 * `timeout` are on every Debian and Red Hat host, and the few lines of RESP it speaks go through
 * bash's /dev/tcp.
 *
 * Root-owned 0755 in a root-owned folder: keepalived 2.x's enable_script_security refuses a
 * script that anyone else could rewrite, since keepalived runs it as root.
 */
export const REDIS_CHECK_PATH = '/usr/local/libexec/lbprov/redis-check';

/**
 * The Redis password for the check's AUTH, root-only (0600): keepalived writes misc_path into its
 * log and every user sees it in `ps`, so the password is never an argument. Absent without
 * redis.password.
 */
export const REDIS_CHECK_PASSWORD_PATH = '/etc/keepalived/lbprov-redis-password';

/** The password file's one line; its group is the password, for masking in diffs. */
export const REDIS_CHECK_PASSWORD_REGEXP = '^(\\S+)$';

/** What the check asks of the server besides answering PING. */
export type RedisCheckRole = 'master' | 'replica';

/** The password file: the password alone on its line (checkRedisPassword made it one word). */
export function renderRedisCheckPassword(password: string): string {
  return `${password}\n`;
}

/**
 * Exit 0: healthy. 1: unhealthy, with one line on stderr saying why (keepalived itself discards
 * the check's output and logs only "Misc check ... failed"; running the command by hand shows the
 * reason). 2: called wrongly (keepalived counts every non-zero exit as down without misc_dynamic,
 * which lbprov does not write). The check ends itself within its time limit, before keepalived's
 * misc_timeout would kill it without a reason. `passwordFile`: tests point it elsewhere.
 */
export function renderRedisCheck(passwordFile = REDIS_CHECK_PASSWORD_PATH): string {
  return `#!/bin/bash
${MANAGED_HEADER}
# Redis health check for keepalived's MISC_CHECK:
#   ${REDIS_CHECK_PATH} [-t SECONDS] HOST PORT [master|replica]
# Healthy (exit 0) when Redis at HOST:PORT answers PING with +PONG within SECONDS (default 3),
# after AUTH when ${passwordFile} exists, and, with a role, when INFO replication
# says role:master (master) or role:slave with master_link_status:up (replica).
# Unhealthy (exit 1) otherwise, with one line on stderr; wrong arguments exit 2.
set -u
# Byte lengths for RESP's bulk strings, whatever the locale.
export LC_ALL=C

password_file=${passwordFile}
usage="usage: $0 [-t SECONDS] HOST PORT [master|replica]"

seconds=3
if [ "\${1:-}" = -t ]; then
  seconds=\${2:-}
  shift 2 || { echo "$usage" >&2; exit 2; }
fi
case "$seconds" in '' | *[!0-9]* | 0) echo "$0: -t needs whole seconds above 0" >&2; exit 2 ;; esac
if [ $# -lt 2 ] || [ $# -gt 3 ]; then echo "$usage" >&2; exit 2; fi
host=$1 port=$2 role=\${3:-}
case "$port" in '' | *[!0-9]*) echo "$0: port must be a number" >&2; exit 2 ;; esac
case "$role" in '' | master | replica) ;; *) echo "$usage" >&2; exit 2 ;; esac

fail() {
  echo "redis-check $host:$port: $*" >&2
  exit 1
}

# The conversation runs in a child that timeout ends: a connect to a silent host and a read from
# a server that accepts and says nothing both block far longer than keepalived waits.
if [ -z "\${LBPROV_REDIS_CHECK_CHILD:-}" ]; then
  LBPROV_REDIS_CHECK_CHILD=1 timeout -k 1 "$seconds" "$BASH" "$0" -t "$seconds" "$@"
  status=$?
  case $status in
    124 | 137) fail "no answer within \${seconds}s" ;;
    *) exit $status ;;
  esac
fi

# One command as a RESP array of bulk strings (safe for any byte in the password).
send() {
  local request="*$#"$'\\r\\n' word
  for word in "$@"; do request+="\\$\${#word}"$'\\r\\n'"$word"$'\\r\\n'; done
  printf '%s' "$request" >&3
}

# One reply line without its CR; a closed connection fails the check.
reply() {
  IFS= read -r line <&3 || fail "connection closed without an answer"
  line=\${line%$'\\r'}
}

# The first word of an error reply (-LOADING, -NOAUTH, ...): the rest may quote what was sent.
error_code() {
  local code=\${line%% *}
  echo "\${code#-}"
}

{ exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || fail "connection refused or host unreachable"

if [ -e "$password_file" ]; then
  IFS= read -r password <"$password_file" || fail "cannot read $password_file"
  send AUTH "$password"
  reply
  # Whatever the answer, PING tells a wrong password (-NOAUTH) from a Redis that asks for none.
fi

send PING
reply
case "$line" in
  +PONG) ;;
  -LOADING*) fail "Redis is loading its dataset into memory" ;;
  -NOAUTH*)
    if [ -e "$password_file" ]; then fail "Redis refused the password in $password_file"; fi
    fail "Redis asks for a password and $password_file does not exist (redis.password)"
    ;;
  -MASTERDOWN*) fail "replica without its primary refuses to serve (MASTERDOWN)" ;;
  -*) fail "PING answered $(error_code)" ;;
  *) fail "PING answered something other than +PONG" ;;
esac

[ -n "$role" ] || exit 0

send INFO replication
reply
case "$line" in
  \\$[0-9]*) ;;
  -*) fail "INFO replication answered $(error_code)" ;;
  *) fail "INFO replication answered no bulk string" ;;
esac
IFS= read -r -N "\${line#\\$}" info <&3 || fail "connection closed during INFO replication"
info=\${info//$'\\r'/}

redis_role=$(sed -n 's/^role://p' <<<"$info")
case "$role:$redis_role" in
  master:master) exit 0 ;;
  master:*) fail "role is \${redis_role:-unknown}, not master" ;;
  replica:slave)
    link=$(sed -n 's/^master_link_status://p' <<<"$info")
    [ "$link" = up ] || fail "replica's link to its primary is \${link:-unknown}, not up"
    exit 0
    ;;
  replica:*) fail "role is \${redis_role:-unknown}, not a replica" ;;
esac
`;
}
