# shellcheck shell=bash
# Sourced by lab/lab.sh, lab/vagrant.sh, test/lab/run.sh and test/vagrant/run.sh: the two labs
# share a bridge, a subnet, a run dir and the ways of keeping their processes apart from everyone
# else's, so these must not drift apart.
#
# The sourcing script sets SAY_TAG (what every line it prints starts with, e.g. "lab") before
# calling anything here, and, for the parts it uses: PID_DIR; LOCK_FILE, LOCK_USER, LOCK_WAIT;
# BRIDGE, MARK; SUITE, MIRROR, HTTP_PORT, RUN_DIR, SSH_CONFIG, KNOWN_HOSTS, LAB_KEY, SCRIPT_NAME;
# and a test runner LAB, MOCHA_LOG, mocha_rc, T0 and its own lab_processes and check_nothing_left
# (with a local `problems` array). The addresses (CONTROL_IP, SUBNET_ADDR, SUBNET_LEN, VIP) and
# the hosts (HOSTS, HOST_IP, HOST_ROLE) come from lab/topology through load_topology and
# set_topology below.
# shellcheck disable=SC2154 # all of the above are the sourcing script's

# ---------------------------------------------------------------------------------------------
# output and timing

now() { printf '%s' "${EPOCHREALTIME/[.,]/}"; }
since() { # microsecond timestamp -> "1.234s"
  local d=$(($(now) - $1))
  printf '%d.%03ds' $((d / 1000000)) $(((d % 1000000) / 1000))
}
say() { printf '%s: %s\n' "$SAY_TAG" "$*"; }
die() {
  printf '%s: ERROR: %s\n' "$SAY_TAG" "$*" >&2
  exit 1
}
step() { # what command...
  local what=$1 t
  shift
  t=$(now)
  say "$what ..."
  "$@"
  say "$what: done in $(since "$t")"
}

take_lock() {
  # The bridge and the subnet are machine-wide: one lab command at a time on them.
  exec 9>"$LOCK_FILE"
  if ! flock -n 9; then
    say "waiting for another $LOCK_USER (lock $LOCK_FILE) ..."
    flock -w "$LOCK_WAIT" 9 || die "another $LOCK_USER holds $LOCK_FILE for more than ${LOCK_WAIT}s"
  fi
}

# ---------------------------------------------------------------------------------------------
# the topology: lab/topology is the one place the labs' names, addresses and roles are written

TOPOLOGY_SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/topology

# Reads lab/topology. Sets NET_PREFIX (the first three octets: the file's, or the argument's),
# TOPOLOGY_NET_PREFIX (the file's), SUBNET_ADDR, SUBNET_LEN, CONTROL_IP, VIP,
# DEFAULT_REAL_SERVERS (the base hosts' real servers) and MAX_REAL_SERVERS; set_topology then
# lists the hosts. test/support/topology.ts reads the file by the same rules (a unit test compares).
load_topology() { # [subnet: three octets that replace the file's, e.g. 192.168.57]
  local line key a b c extra n=0 h i o where
  local -a real=()
  local -A used=()
  TOPOLOGY_NET_PREFIX="" TOPO_CONTROL="" TOPO_VIP="" TOPO_MORE_PREFIX="" TOPO_MORE_FIRST="" TOPO_MORE_LAST=""
  TOPO_NAMES=()
  declare -gA TOPO_OCTET=() TOPO_ROLE=() TOPO_TAKEN=()
  [[ -r $TOPOLOGY_SOURCE ]] || die "cannot read $TOPOLOGY_SOURCE"
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    where="$TOPOLOGY_SOURCE:$n"
    line=${line%%#*}
    key="" a="" b="" c="" extra=""
    read -r key a b c extra <<<"$line"
    [[ -n $key ]] || continue
    case $key in
    network)
      [[ -z $b && $a =~ ^([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})\.0/24$ ]] ||
        die "$where: 'network <a.b.c.0/24>' expected (the lab is a /24), not '$line'"
      TOPOLOGY_NET_PREFIX=${BASH_REMATCH[1]}
      ;;
    control | vip)
      [[ -z $b ]] && topology_octet "$a" || die "$where: '$key <octet 1-254>' expected, not '$line'"
      if [[ $key == control ]]; then TOPO_CONTROL=$a; else TOPO_VIP=$a; fi
      ;;
    host)
      [[ -z $extra && $a =~ ^[a-z][a-z0-9-]*$ ]] && topology_octet "$b" &&
        [[ $c == director || $c == real_server || $c == client ]] ||
        die "$where: 'host <name> <octet 1-254> <director|real_server|client>' expected, not '$line'"
      [[ -z ${TOPO_ROLE[$a]:-} ]] || die "$where: host $a is listed twice"
      TOPO_NAMES+=("$a")
      TOPO_OCTET[$a]=$b
      TOPO_ROLE[$a]=$c
      [[ $c == real_server ]] && real+=("$a")
      ;;
    more_real_servers)
      [[ -z $extra && $a =~ ^[a-z][a-z-]*$ ]] && topology_octet "$b" && topology_octet "$c" && ((b <= c)) ||
        die "$where: 'more_real_servers <name prefix> <first octet> <last octet>' expected, not '$line'"
      TOPO_MORE_PREFIX=$a TOPO_MORE_FIRST=$b TOPO_MORE_LAST=$c
      ;;
    *) die "$where: unknown entry '$key' (network, control, vip, host, more_real_servers)" ;;
    esac
  done <"$TOPOLOGY_SOURCE"
  [[ -n $TOPOLOGY_NET_PREFIX && -n $TOPO_CONTROL && -n $TOPO_VIP && -n $TOPO_MORE_PREFIX ]] ||
    die "$TOPOLOGY_SOURCE: network, control, vip and more_real_servers are each needed once"
  ((${#real[@]})) || die "$TOPOLOGY_SOURCE: no host with the role real_server"
  # Every octet once: the control address, the VIP, each base host.
  used[$TOPO_CONTROL]=control
  [[ -z ${used[$TOPO_VIP]:-} ]] || die "$TOPOLOGY_SOURCE: the VIP's octet $TOPO_VIP is also the ${used[$TOPO_VIP]}'s"
  used[$TOPO_VIP]=VIP
  for h in "${TOPO_NAMES[@]}"; do
    o=${TOPO_OCTET[$h]}
    [[ -z ${used[$o]:-} ]] || die "$TOPOLOGY_SOURCE: $h's octet $o is also the ${used[$o]}'s"
    used[$o]=$h
  done
  for o in "${!used[@]}"; do TOPO_TAKEN[$o]=1; done
  # The base real servers are <prefix>1..K, listed one after the other: more come after them.
  for i in "${!real[@]}"; do
    [[ ${real[$i]} == "$TOPO_MORE_PREFIX$((i + 1))" ]] ||
      die "$TOPOLOGY_SOURCE: real server ${real[$i]}: the real servers must be ${TOPO_MORE_PREFIX}1, ${TOPO_MORE_PREFIX}2, ... in order"
  done
  i=0 # 0: before the real servers, 1: among them, 2: after them
  for h in "${TOPO_NAMES[@]}"; do
    if [[ ${TOPO_ROLE[$h]} == real_server ]]; then
      ((i < 2)) || die "$TOPOLOGY_SOURCE: the real servers must be listed one after the other"
      i=1
    elif ((i == 1)); then
      i=2
    fi
  done
  DEFAULT_REAL_SERVERS=${#real[@]}
  MAX_REAL_SERVERS=$DEFAULT_REAL_SERVERS
  for ((o = TOPO_MORE_FIRST; o <= TOPO_MORE_LAST; o++)); do
    [[ -n ${TOPO_TAKEN[$o]:-} ]] || MAX_REAL_SERVERS=$((MAX_REAL_SERVERS + 1))
  done
  NET_PREFIX=${1:-$TOPOLOGY_NET_PREFIX}
  [[ $NET_PREFIX =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
    die "the lab subnet must be three octets, e.g. $TOPOLOGY_NET_PREFIX, not '$NET_PREFIX'"
  SUBNET_ADDR=$NET_PREFIX.0
  SUBNET_LEN=24
  CONTROL_IP=$NET_PREFIX.$TOPO_CONTROL
  VIP=$NET_PREFIX.$TOPO_VIP
}

topology_octet() { [[ $1 =~ ^[1-9][0-9]{0,2}$ ]] && (($1 <= 254)); }

# Lists the hosts of a lab with that many real servers in HOSTS (in lab/topology's order, the real
# servers where its base real servers are), HOST_IP and HOST_ROLE.
set_topology() { # real-server-count
  local count=$1 h i o=$TOPO_MORE_FIRST placed=0
  [[ $count =~ ^[1-9][0-9]*$ ]] && ((count <= MAX_REAL_SERVERS)) ||
    die "the lab runs 1 to $MAX_REAL_SERVERS real servers (lab/topology), not '$count'"
  HOSTS=()
  declare -gA HOST_IP=() HOST_ROLE=()
  for h in "${TOPO_NAMES[@]}"; do
    if [[ ${TOPO_ROLE[$h]} != real_server ]]; then
      HOSTS+=("$h")
      HOST_IP[$h]=$NET_PREFIX.${TOPO_OCTET[$h]}
      HOST_ROLE[$h]=${TOPO_ROLE[$h]}
      continue
    fi
    ((placed)) && continue
    placed=1
    for ((i = 1; i <= count; i++)); do
      h=$TOPO_MORE_PREFIX$i
      HOSTS+=("$h")
      HOST_ROLE[$h]=real_server
      if ((i <= DEFAULT_REAL_SERVERS)); then
        HOST_IP[$h]=$NET_PREFIX.${TOPO_OCTET[$h]}
      else
        while [[ -n ${TOPO_TAKEN[$o]:-} ]]; do o=$((o + 1)); done
        HOST_IP[$h]=$NET_PREFIX.$o
        o=$((o + 1))
      fi
    done
  done
}

# The hosts as .run/topology and `lab.sh topology` list them: "name address role" per line.
print_topology() {
  local h
  for h in "${HOSTS[@]}"; do printf '%s %s %s\n' "$h" "${HOST_IP[$h]}" "${HOST_ROLE[$h]}"; done
}

# A lab host's /etc/hosts: every lab name resolves on every host (sudo and Redis want their own
# name to resolve).
print_etc_hosts() { # host...
  local h
  printf '127.0.0.1\tlocalhost\n%s\tcontrol\n' "$CONTROL_IP"
  for h in "$@"; do printf '%s\t%s\n' "${HOST_IP[$h]}" "$h"; done
}

# ---------------------------------------------------------------------------------------------
# process records: "pid starttime" so a recycled PID is never mistaken for one of ours

# Start time of a live process; empty for a gone one. A zombie counts as gone: this machine's PID 1
# may take seconds to reap the orphans the labs leave to it.
proc_start() { awk '$3 != "Z" {print $22}' "/proc/$1/stat" 2>/dev/null || true; }

record_pid() { # name pid
  mkdir -p "$PID_DIR"
  printf '%s %s\n' "$2" "$(proc_start "$2")" >"$PID_DIR/$1.pid"
}

# Prints the recorded PID if that very process is still alive.
live_pid() {
  local f=$PID_DIR/$1.pid pid start
  [[ -f $f ]] || return 1
  read -r pid start <"$f" || return 1
  [[ -n ${pid:-} && -n ${start:-} ]] || return 1
  [[ "$(proc_start "$pid")" == "$start" ]] || return 1
  printf '%s\n' "$pid"
}

# Daemons get their own session and none of the lock descriptors (7 test lock, 8 cache locks,
# 9 lab lock): a daemon holding a lock would keep every other lab command or test run waiting for
# as long as it lives.
spawn() { # name log command...
  local name=$1 log=$2
  shift 2
  setsid "$@" >"$log" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  record_pid "$name" "$!"
}

# Ends a recorded process by its PID: SIGTERM (or the given signal), then SIGKILL after a grace period.
stop_pid() { # name [grace-seconds [signal]]
  local name=$1 grace=${2:-3} sig=${3:-TERM} pid i
  if pid=$(live_pid "$name"); then
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 20; i++)); do
      live_pid "$name" >/dev/null || break
      sleep 0.05
    done
    if live_pid "$name" >/dev/null; then
      say "  $name (pid $pid) ignored SIG$sig: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        live_pid "$name" >/dev/null || break
        sleep 0.05
      done
    fi
    live_pid "$name" >/dev/null && die "could not end $name (pid $pid)"
    say "  stopped $name (pid $pid)"
  fi
  rm -f "$PID_DIR/$name.pid"
}

# ---------------------------------------------------------------------------------------------
# the bridge, the subnet and who else uses them

link_exists() { [[ -e /sys/class/net/$1 ]]; }
link_alias() { cat "/sys/class/net/$1/ifalias" 2>/dev/null || true; }
link_is_ours() { [[ "$(link_alias "$1")" == "$MARK" ]]; }

ip_to_int() {
  local a b c d
  IFS=. read -r a b c d <<<"$1"
  printf '%d' $(((a << 24) | (b << 16) | (c << 8) | d))
}
overlaps_lab_subnet() { # a.b.c.d[/len]
  local addr=${1%/*} len=32 min mask
  [[ $1 == */* ]] && len=${1#*/}
  min=$((len < SUBNET_LEN ? len : SUBNET_LEN))
  ((min == 0)) && return 0
  mask=$(((0xffffffff << (32 - min)) & 0xffffffff))
  (($(($(ip_to_int "$addr") & mask)) == $(($(ip_to_int "$SUBNET_ADDR") & mask))))
}

# The first address or route outside the lab bridge that overlaps the lab subnet, as
# "address<TAB>cidr<TAB>interface" or "route<TAB>destination<TAB>route": each lab words its own
# refusal. Status 1 if there is none.
subnet_clash() {
  local dev cidr line first
  local -a fields
  while read -r _ dev _ cidr _; do
    [[ $dev == "$BRIDGE" ]] && continue
    if overlaps_lab_subnet "$cidr"; then
      printf 'address\t%s\t%s\n' "$cidr" "$dev"
      return 0
    fi
  done < <(ip -4 -o addr show)
  while read -r line; do
    read -ra fields <<<"$line"
    first=${fields[0]:-}
    case $first in unicast | local | broadcast | multicast | anycast | blackhole | unreachable | prohibit | throw)
      first=${fields[1]:-} ;;
    esac
    [[ -z $first || $first == default ]] && continue
    [[ " $line " == *" dev $BRIDGE "* ]] && continue
    if overlaps_lab_subnet "$first"; then
      printf 'route\t%s\t%s\n' "$first" "$line"
      return 0
    fi
  done < <(ip -4 route show table all)
  return 1
}

setup_bridge() {
  if link_exists "$BRIDGE"; then
    say "  bridge $BRIDGE exists (ours)"
  else
    ip link add "$BRIDGE" type bridge stp_state 0 forward_delay 0
    ip link set "$BRIDGE" alias "$MARK"
    say "  created bridge $BRIDGE"
  fi
  # No IPv6 chatter (router solicitations, MLD) from the control side onto the lab wire.
  sysctl -qw "net.ipv6.conf.$BRIDGE.disable_ipv6=1" 2>/dev/null || true
  if ! ip -4 -o addr show dev "$BRIDGE" | grep -q " $CONTROL_IP/$SUBNET_LEN "; then
    ip addr add "$CONTROL_IP/$SUBNET_LEN" dev "$BRIDGE"
    say "  control address $CONTROL_IP/$SUBNET_LEN on $BRIDGE"
  fi
  ip link set "$BRIDGE" up
}

remove_bridge() {
  if link_exists "$BRIDGE"; then
    if link_is_ours "$BRIDGE"; then
      ip link del "$BRIDGE"
      say "  removed bridge $BRIDGE"
    else
      say "  bridge $BRIDGE is not ours: left alone"
    fi
  fi
}

# ---------------------------------------------------------------------------------------------
# source tarballs (both labs serve the same ones from the same cache)

# Our own APT_CONFIG: the machine's apt sources, lists and caches are left untouched.
write_apt_src_config() { # work-dir
  local work=$1
  mkdir -p "$work/state/lists/partial" "$work/cache/archives/partial" "$work/etc/sources.list.d" "$work/dl"
  printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$MIRROR" "$SUITE" >"$work/etc/sources.list"
  cat >"$work/apt.conf" <<EOF
Dir::State "$work/state";
Dir::State::status "/var/lib/dpkg/status";
Dir::Cache "$work/cache";
Dir::Etc::SourceList "$work/etc/sources.list";
Dir::Etc::SourceParts "$work/etc/sources.list.d";
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
EOF
  # apt's download sandbox user must be able to write there.
  chown _apt "$work/dl" 2>/dev/null || true
}

# apt checks the .dsc's sha256 too, but the labs keep a partial download on purpose.
dsc_sha256() { # dir file
  awk -v f="$2" '/^Checksums-Sha256:/ {on = 1; next} /^[^ ]/ {on = 0} on && $3 == f {print $1}' \
    "$1"/*.dsc | head -n 1
}

# The how-to's own tarballs (keepalived 1.2.0, ipvsadm 1.26), kept in lab/sources/ with their
# provenance (lab/sources/README.md): the original sites are unreachable, and a clean clone must
# still serve them. A tarball whose sha256 is not the one pinned there is never served.
HOWTO_SOURCES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sources
HOWTO_ARTIFACTS=(keepalived-1.2.0.tar.gz ipvsadm-1.26.tar.gz)

copy_howto_sources() { # artifacts-dir
  local dir=$1 f want got
  for f in "${HOWTO_ARTIFACTS[@]}"; do
    want=$(awk -v f="$f" '$2 == f {print $1}' "$HOWTO_SOURCES_DIR/SHA256SUMS")
    [[ -n $want ]] || die "$f has no sha256 in $HOWTO_SOURCES_DIR/SHA256SUMS"
    if [[ ! -f $dir/$f ]] || [[ $(sha256sum "$dir/$f" | cut -d' ' -f1) != "$want" ]]; then
      got=$(sha256sum "$HOWTO_SOURCES_DIR/$f" | cut -d' ' -f1)
      [[ $got == "$want" ]] || die "$HOWTO_SOURCES_DIR/$f: sha256 $got, expected $want (SHA256SUMS)"
      install -m 0644 "$HOWTO_SOURCES_DIR/$f" "$dir/$f.tmp"
      mv -f "$dir/$f.tmp" "$dir/$f"
    fi
  done
}

list_artifacts() { # dir file...
  local dir=$1 sum f
  shift
  (cd "$dir" && sha256sum "$@") | while read -r sum f; do
    say "  sha256 $sum  http://$CONTROL_IP:$HTTP_PORT/$f"
  done
}

# ---------------------------------------------------------------------------------------------
# control-side services

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_tcp() { # addr port pidname
  local i
  for ((i = 0; i < 100; i++)); do
    tcp_open "$1" "$2" && return 0
    live_pid "$3" >/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# ssh client files: lbprov and the tests read the same ones whichever lab is up

write_ssh_files() { # host-keys-dir (<dir>/<host>/ssh_host_ed25519_key.pub) connect-timeout
  local keys=$1 timeout=$2 h tmp
  tmp=$(mktemp "$RUN_DIR/.known_hosts.XXXXXX")
  for h in "${HOSTS[@]}"; do
    # Keyed by address: the inventory and ssh_config both name hosts by address.
    printf '%s %s\n' "${HOST_IP[$h]}" "$(cut -d' ' -f1,2 "$keys/$h/ssh_host_ed25519_key.pub")" >>"$tmp"
  done
  chmod 0644 "$tmp"
  mv "$tmp" "$KNOWN_HOSTS"
  tmp=$(mktemp "$RUN_DIR/.ssh_config.XXXXXX")
  {
    printf '# Written by lab/%s; use: ssh -F %s lb1\n' "$SCRIPT_NAME" "$SSH_CONFIG"
    for h in "${HOSTS[@]}"; do
      printf 'Host %s %s\n  HostName %s\n' "$h" "${HOST_IP[$h]}" "${HOST_IP[$h]}"
    done
    printf 'Host *\n'
    printf '  User root\n  Port 22\n'
    printf '  IdentityFile "%s"\n  IdentitiesOnly yes\n' "$LAB_KEY"
    printf '  UserKnownHostsFile "%s"\n  GlobalKnownHostsFile /dev/null\n' "$KNOWN_HOSTS"
    printf '  StrictHostKeyChecking yes\n  UpdateHostKeys no\n  HashKnownHosts no\n'
    printf '  PasswordAuthentication no\n  KbdInteractiveAuthentication no\n'
    printf '  ConnectTimeout %s\n  ServerAliveInterval 15\n  LogLevel ERROR\n' "$timeout"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv "$tmp" "$SSH_CONFIG"
}

cmd_ssh() {
  local h=${1:-}
  [[ -n $h ]] || die "usage: $SCRIPT_NAME ssh <host> [command...]   hosts: ${HOSTS[*]}"
  shift
  [[ -n ${HOST_IP[$h]:-} ]] || die "unknown host '$h'; hosts: ${HOSTS[*]}"
  [[ -f $SSH_CONFIG ]] || die "the lab is not up ($SSH_CONFIG missing): bash lab/$SCRIPT_NAME up"
  if (($#)); then
    exec ssh -F "$SSH_CONFIG" "$h" -- "$@"
  fi
  exec ssh -F "$SSH_CONFIG" "$h"
}

# ---------------------------------------------------------------------------------------------
# test runners: a fresh lab, the tests, the lab down, a leftover check

# One test run per lab bridge: a second run would tear down the first one's lab under its tests.
# LBPROV_LAB_TESTS_LOCK_HELD=1: the caller already holds the lock (e.g. `flock -o`).
take_test_lock() { # lock-file what-to-say-while-waiting [what-to-say-if-the-caller-holds-it]
  exec 7>"$1"
  if [[ ${LBPROV_LAB_TESTS_LOCK_HELD:-} == 1 ]]; then
    [[ -z ${3:-} ]] || say "$3"
  elif ! flock -n 7; then
    say "$2"
    flock -w 3600 7 || {
      say "gave up waiting for $1"
      exit 1
    }
  fi
}

recorded_processes() { # pid-file... -> "pid starttime" lines
  local f pid start
  for f in "$@"; do
    [[ -f $f ]] || continue
    read -r pid start <"$f" || continue
    printf '%s %s\n' "$pid" "$start"
  done
}

# The leftover checks below add to the calling check_nothing_left's own `problems` array, in the
# order that check reports them.
problem() { problems+=("$*"); }

# Of the "pid starttime" lines taken before `down`, the processes that are still alive.
still_running() { # pid-starttime-lines [command-line-width]
  local pid start
  while read -r pid start; do
    [[ -n $pid ]] || continue
    if [[ -n $start && "$(proc_start "$pid")" == "$start" ]]; then
      problem "process $pid still running: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c"1-${2:-}")"
    fi
  done <<<"$1"
}

link_names() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'; }

control_address_left() {
  if ip -4 -o addr show | grep -q " $CONTROL_IP/"; then
    problem "control address $CONTROL_IP is still configured"
  fi
}

listener_left() {
  if [[ -n "$(ss -Hltn "src $CONTROL_IP" 2>/dev/null)" ]]; then
    problem "something still listens on $CONTROL_IP"
  fi
}

report_leftovers() { # what-was-checked
  local p
  if ((${#problems[@]})); then
    say "LEFTOVERS after lab down:"
    for p in "${problems[@]}"; do printf '%s:   - %s\n' "$SAY_TAG" "$p"; done
    return 1
  fi
  say "nothing left behind ($1)"
}

run_mocha() { # mocha-option... -- spec [extra mocha argument...]
  local opts=() spec
  while [[ $1 != -- ]]; do
    opts+=("$1")
    shift
  done
  spec=$2
  shift 2
  say "running: mocha ${opts[*]} '$spec' $*"
  set +e
  npx mocha "${opts[@]}" "$spec" "$@" 7>&- 2>&1 | tee "$MOCHA_LOG"
  mocha_rc=${PIPESTATUS[0]}
  set -e
  say "mocha exited $mocha_rc"
}

# Always ends the script: a run's exit code is mocha's (or the one it was ending with before mocha
# ran), made 1 if that was 0 but `down` failed or something was left behind.
end_test_run() { # exit-code what-to-bring-down
  local rc=$1 procs t left=0 passed failed pending
  [[ -n $mocha_rc ]] && rc=$mocha_rc
  procs=$(lab_processes)
  t=$(now)
  say "bringing $2 down"
  if ! bash "$LAB" down 7>&-; then
    say "lab down FAILED"
    left=1
  fi
  check_nothing_left "$procs" || left=1
  say "down and check in $(since "$t")"
  if [[ -n $mocha_rc ]]; then
    passed=$(grep -Eo '^ +[0-9]+ passing' "$MOCHA_LOG" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
    failed=$(grep -Eo '^ +[0-9]+ failing' "$MOCHA_LOG" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
    pending=$(grep -Eo '^ +[0-9]+ pending' "$MOCHA_LOG" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
    say "$passed passed, $failed failed, $pending skipped"
    # A mocha that was interrupted, or found no test, can exit 0: a run that proved nothing is no pass.
    if ((rc == 0 && passed == 0)); then
      say "no test passed: counting this run as failed"
      rc=1
    fi
  fi
  rm -f "$MOCHA_LOG"
  if ((left)) && ((rc == 0)); then rc=1; fi
  say "finished in $(since "$T0") with exit code $rc"
  exit "$rc"
}
