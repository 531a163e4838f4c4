#!/bin/bash
# Managed by lbprov: changes made here are overwritten by the next `lbprov apply`.
# To change this file, edit the inventory and re-run `lbprov apply`.
# Redis health check for keepalived's MISC_CHECK:
#   /usr/local/libexec/lbprov/redis-check [-t SECONDS] HOST PORT [master|replica]
# Healthy (exit 0) when Redis at HOST:PORT answers PING with +PONG within SECONDS (default 3),
# after AUTH when /etc/keepalived/lbprov-redis-password exists, and, with a role, when INFO replication
# says role:master (master) or role:slave with master_link_status:up (replica).
# Unhealthy (exit 1) otherwise, with one line on stderr; wrong arguments exit 2.
set -u
# Byte lengths for RESP's bulk strings, whatever the locale.
export LC_ALL=C

password_file=/etc/keepalived/lbprov-redis-password
usage="usage: $0 [-t SECONDS] HOST PORT [master|replica]"

seconds=3
if [ "${1:-}" = -t ]; then
  seconds=${2:-}
  shift 2 || { echo "$usage" >&2; exit 2; }
fi
case "$seconds" in '' | *[!0-9]* | 0) echo "$0: -t needs whole seconds above 0" >&2; exit 2 ;; esac
if [ $# -lt 2 ] || [ $# -gt 3 ]; then echo "$usage" >&2; exit 2; fi
host=$1 port=$2 role=${3:-}
case "$port" in '' | *[!0-9]*) echo "$0: port must be a number" >&2; exit 2 ;; esac
case "$role" in '' | master | replica) ;; *) echo "$usage" >&2; exit 2 ;; esac

fail() {
  echo "redis-check $host:$port: $*" >&2
  exit 1
}

# The conversation runs in a child that timeout ends: a connect to a silent host and a read from
# a server that accepts and says nothing both block far longer than keepalived waits.
if [ -z "${LBPROV_REDIS_CHECK_CHILD:-}" ]; then
  LBPROV_REDIS_CHECK_CHILD=1 timeout -k 1 "$seconds" "$BASH" "$0" -t "$seconds" "$@"
  status=$?
  case $status in
    124 | 137) fail "no answer within ${seconds}s" ;;
    *) exit $status ;;
  esac
fi

# One command as a RESP array of bulk strings (safe for any byte in the password).
send() {
  local request="*$#"$'\r\n' word
  for word in "$@"; do request+="\$${#word}"$'\r\n'"$word"$'\r\n'; done
  printf '%s' "$request" >&3
}

# One reply line without its CR; a closed connection fails the check.
reply() {
  IFS= read -r line <&3 || fail "connection closed without an answer"
  line=${line%$'\r'}
}

# The first word of an error reply (-LOADING, -NOAUTH, ...): the rest may quote what was sent.
error_code() {
  local code=${line%% *}
  echo "${code#-}"
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
  \$[0-9]*) ;;
  -*) fail "INFO replication answered $(error_code)" ;;
  *) fail "INFO replication answered no bulk string" ;;
esac
IFS= read -r -N "${line#\$}" info <&3 || fail "connection closed during INFO replication"
info=${info//$'\r'/}

redis_role=$(sed -n 's/^role://p' <<<"$info")
case "$role:$redis_role" in
  master:master) exit 0 ;;
  master:*) fail "role is ${redis_role:-unknown}, not master" ;;
  replica:slave)
    link=$(sed -n 's/^master_link_status://p' <<<"$info")
    [ "$link" = up ] || fail "replica's link to its primary is ${link:-unknown}, not up"
    exit 0
    ;;
  replica:*) fail "role is ${redis_role:-unknown}, not a replica" ;;
esac
