#!/usr/bin/env bash
# lbprov namespace lab: Debian 12 "hosts" (by default lb1, lb2, rs1, rs2, client), each with its
# own network/mount/PID/UTS/IPC namespaces, overlay root filesystem and sshd, on one bridge in the
# root namespace that carries the control address. See lab/README.md.
#
#   bash lab/lab.sh up [--real-servers N] [--with-python] | down | status | ssh <host> [command...] | clean
#   bash lab/lab.sh topology [--real-servers N]     (no root: prints the hosts `up` would run)
#
# The names, addresses and roles are lab/topology's. `up --real-servers N` (default: the base real
# servers, 2) runs rs1..rsN: rs1 and rs2 keep the Vagrant lab's addresses, the others take the next
# free ones of the /24. The names and addresses of a running lab are in .run/topology ("name
# address role" per line), which the benchmarks and scaled tests read. `up --with-python` runs the
# hosts on a root filesystem that also has Python (cached apart from the default one), for tools
# that need it on the hosts: Ansible, in bench/ansible-noop.ts.
set -euo pipefail

# The lab's daemons must not inherit a caller's descriptors: flock(1) hands its lock descriptor to
# the command it runs, and a daemon holding /run/lbprov-lab.tests.lock would keep every other test
# run waiting for as long as the lab is up. (255 is bash reading this script.)
for inherited in /proc/$$/fd/*; do
  inherited=${inherited##*/}
  if ((inherited > 2 && inherited != 255)); then eval "exec ${inherited}>&-" 2>/dev/null || true; fi
done

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAY_TAG=lab
SCRIPT_NAME=lab.sh
# shellcheck source=lab/common.sh
source "$LAB_DIR/common.sh"
RUN_DIR=${LBPROV_LAB_RUN_DIR:-$LAB_DIR/.run}
CACHE_DIR=${LBPROV_LAB_CACHE_DIR:-/var/cache/lbprov-lab}

# NET_PREFIX, SUBNET_ADDR, SUBNET_LEN, CONTROL_IP, VIP, DEFAULT_REAL_SERVERS, MAX_REAL_SERVERS.
load_topology
BRIDGE=lbprov-br0
NS_PREFIX=lbprov-
VETH_PREFIX=lbp-
HTTP_PORT=8080
ACNG_PORTS=(3142 3143 3144 3145)
# Every link the lab creates carries this alias: it is how the lab tells its own interfaces from
# anybody else's, so it never deletes or reuses what it did not make.
MARK="lbprov-lab:$RUN_DIR"
LOCK_FILE=/run/lbprov-lab.lock
LOCK_USER=lab.sh
LOCK_WAIT=300

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
# keepalived's build dependencies are deliberately absent: lbprov's package step installs them.
# nftables: the firewall tests give a director a ruleset that drops VRRP (none is loaded at up).
PACKAGES=(openssh-server iproute2 redis-server redis-tools procps kmod curl ca-certificates tar gzip
  xz-utils patch sudo tini util-linux nftables)
# `up --with-python`: what Ansible needs on a Debian host (python3-apt for its apt module, which
# would otherwise install it on its first run).
PYTHON_PACKAGES=(python3 python3-apt)
ARTIFACTS=(keepalived_2.2.7.orig.tar.gz ipvsadm_1.31.orig.tar.gz)
SOURCE_PACKAGES=(keepalived ipvsadm)
# Plain python3 from Debian: a user's pyenv shim may not have http.server's dependencies or may hang.
PYTHON=/usr/bin/python3

SSH_CONFIG=$RUN_DIR/ssh_config
KNOWN_HOSTS=$RUN_DIR/known_hosts
LAB_KEY=$RUN_DIR/id_ed25519
PID_DIR=$RUN_DIR/pids
LOG_DIR=$RUN_DIR/logs
HOSTS_DIR=$RUN_DIR/hosts
# How many real servers the lab that is up runs, and its names and addresses.
REAL_SERVERS_FILE=$RUN_DIR/real-servers
# Present while the lab that is up runs on the root filesystem with Python (`up --with-python`).
WITH_PYTHON_FILE=$RUN_DIR/with-python
TOPOLOGY_FILE=$RUN_DIR/topology
ACNG_DIR=$RUN_DIR/apt-cacher-ng

# The lab that is up keeps its size until `down`; a new one has the default. HOSTS, HOST_IP and
# HOST_ROLE are derived from lab/topology (lab/common.sh: set_topology).
_count=$(cat "$REAL_SERVERS_FILE" 2>/dev/null || true)
[[ $_count =~ ^[1-9][0-9]*$ ]] && ((_count <= MAX_REAL_SERVERS)) || _count=$DEFAULT_REAL_SERVERS
set_topology "$_count"
WITH_PYTHON=0
[[ -f $WITH_PYTHON_FILE ]] && WITH_PYTHON=1

write_topology() {
  local tmp
  tmp=$(mktemp "$RUN_DIR/.hosts.XXXXXX")
  print_topology >"$tmp"
  chmod 0644 "$tmp"
  mv "$tmp" "$TOPOLOGY_FILE"
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (namespaces, bridge, mounts): try sudo"; }

# ---------------------------------------------------------------------------------------------
# ownership checks

ns_name() { printf '%s%s' "$NS_PREFIX" "$1"; }
veth_name() { printf '%s%s' "$VETH_PREFIX" "$1"; }
ns_exists() { [[ -e /run/netns/$(ns_name "$1") ]]; }
# A netns is ours if our run dir says we made it (ip netns has no place for a marker).
ns_is_ours() { [[ -f "$HOSTS_DIR/$1/netns" && "$(cat "$HOSTS_DIR/$1/netns")" == "$(ns_name "$1")" ]]; }

# Refuses to go on if the bridge name, the subnet or a lab netns name is used by something this lab
# did not make. Never takes anything over.
check_clashes() {
  local kind what where h
  if link_exists "$BRIDGE" && ! link_is_ours "$BRIDGE"; then
    die "a network interface named $BRIDGE already exists and was not made by this lab" \
      "(its alias: '$(link_alias "$BRIDGE")'; ours: '$MARK')." \
      "Remove it yourself, or bring down the lab that owns it."
  fi
  if IFS=$'\t' read -r kind what where < <(subnet_clash); then
    case $kind in
    address)
      die "address $what on interface $where is inside the lab subnet $SUBNET_ADDR/$SUBNET_LEN:" \
        "the lab will not share it. Remove that address or stop whatever uses it." ;;
    route)
      die "a route to $what ('$where') overlaps the lab subnet $SUBNET_ADDR/$SUBNET_LEN:" \
        "the lab will not take it over." ;;
    esac
  fi
  for h in "${HOSTS[@]}"; do
    if ns_exists "$h" && ! ns_is_ours "$h"; then
      die "network namespace $(ns_name "$h") exists but this lab ($RUN_DIR) did not make it"
    fi
    if link_exists "$(veth_name "$h")" && ! link_is_ours "$(veth_name "$h")"; then
      die "interface $(veth_name "$h") exists but this lab did not make it"
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# cached inputs: root filesystem and source tarballs

# The root filesystem's packages: the default lab's, plus Python's with WITH_PYTHON=1. The default
# key hashes exactly what it hashed before the Python variant existed, so its cache stays valid.
rootfs_packages() {
  printf '%s\n' "${PACKAGES[@]}"
  if ((WITH_PYTHON)); then printf '%s\n' "${PYTHON_PACKAGES[@]}"; fi
}
rootfs_key() {
  {
    printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY_MIRROR"
    rootfs_packages
    cat "$LAB_DIR/rootfs-customize.sh"
  } | sha256sum | cut -c1-16
}
rootfs_dir() { printf '%s/rootfs-%s' "$CACHE_DIR" "$(rootfs_key)"; }

build_rootfs() {
  local dir tmp t
  dir=$(rootfs_dir)
  if [[ -d $dir ]]; then
    say "  rootfs cached: $dir"
    return
  fi
  mkdir -p "$CACHE_DIR"
  # Another checkout may be building the same rootfs right now.
  exec 8>"$CACHE_DIR/.build.lock"
  flock -w 900 8 || die "timed out waiting for another rootfs build ($CACHE_DIR/.build.lock)"
  if [[ -d $dir ]]; then
    say "  rootfs cached (built by another run meanwhile): $dir"
    exec 8>&-
    return
  fi
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: run 'bash lab/install-deps.sh'"
  tmp=$dir.building
  rm -rf "$tmp"
  t=$(now)
  say "  building Debian $SUITE rootfs with mmdebstrap (once; ~1 min) into $dir"
  mkdir -p "$LOG_DIR"
  if ! mmdebstrap --variant=minbase --mode=root \
    --include="$(rootfs_packages | paste -sd,)" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --skip=cleanup/apt/lists \
    --customize-hook="bash '$LAB_DIR/rootfs-customize.sh' \"\$1\"" \
    "$SUITE" "$tmp" \
    "deb $MIRROR $SUITE main" \
    "deb $MIRROR $SUITE-updates main" \
    "deb $SECURITY_MIRROR $SUITE-security main" >"$LOG_DIR/mmdebstrap.log" 2>&1; then
    tail -n 30 "$LOG_DIR/mmdebstrap.log" >&2
    rm -rf "$tmp"
    die "mmdebstrap failed (full log: $LOG_DIR/mmdebstrap.log)"
  fi
  # The rename is the commit: a half-built rootfs is never mistaken for a cached one.
  mv "$tmp" "$dir"
  exec 8>&-
  say "  rootfs built in $(since "$t") ($(du -sh "$dir" | cut -f1))"
}

verify_against_dsc() { # dir file
  local dir=$1 f=$2 want got
  want=$(dsc_sha256 "$dir" "$f")
  got=$(sha256sum "$dir/$f" | cut -d' ' -f1)
  [[ -n $want ]] || die "no sha256 for $f in the downloaded .dsc files"
  [[ $want == "$got" ]] || die "$f: sha256 $got does not match the .dsc ($want)"
}

artifacts_dir() { printf '%s/artifacts' "$CACHE_DIR"; }

fetch_artifacts() {
  local dir work f missing=0
  dir=$(artifacts_dir)
  for f in "${ARTIFACTS[@]}"; do [[ -f $dir/$f ]] || missing=1; done
  if ((missing)); then
    mkdir -p "$dir"
    work=$CACHE_DIR/apt-src
    rm -rf "$work"
    write_apt_src_config "$work"
    say "  downloading Debian source packages: ${SOURCE_PACKAGES[*]}"
    APT_CONFIG=$work/apt.conf apt-get -q update >"$work/update.log" 2>&1 ||
      {
        cat "$work/update.log" >&2
        die "apt-get update for deb-src failed"
      }
    # Only the orig tarballs matter. Some mirrors lack a package's other files (.debian.tar.xz):
    # apt-get then fails as a whole but keeps every file it fetched and verified.
    if ! (cd "$work/dl" && APT_CONFIG=$work/apt.conf apt-get -q source --download-only "${SOURCE_PACKAGES[@]}") \
      >"$work/source.log" 2>&1; then
      say "  note: apt-get source reported errors (log kept in $dir/apt-get-source.log):"
      grep -E '^(E|W):' "$work/source.log" | sed 's/^/lab:     /' || true
      cp "$work/source.log" "$dir/apt-get-source.log"
    fi
    for f in "${ARTIFACTS[@]}"; do
      [[ -f $work/dl/$f ]] || {
        cat "$work/source.log" >&2
        die "apt-get source did not produce $f (got: $(ls "$work/dl"))"
      }
      verify_against_dsc "$work/dl" "$f"
    done
    cp "$work/dl/"* "$dir/"
    rm -rf "$work"
  else
    say "  artifacts cached: $dir"
  fi
  copy_howto_sources "$dir"
  list_artifacts "$dir" "${HOWTO_ARTIFACTS[@]}" "${ARTIFACTS[@]}"
}

# ---------------------------------------------------------------------------------------------
# network

setup_host_net() { # host
  local h=$1 ns veth
  ns=$(ns_name "$h")
  veth=$(veth_name "$h")
  mkdir -p "$HOSTS_DIR/$h"
  # Recorded before creation so a half-made netns is still recognised (and removed) by `down`.
  printf '%s\n' "$ns" >"$HOSTS_DIR/$h/netns"
  ns_exists "$h" || ip netns add "$ns"
  if ! link_exists "$veth"; then
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" alias "$MARK"
  fi
  sysctl -qw "net.ipv6.conf.$veth.disable_ipv6=1" 2>/dev/null || true
  ip link set "$veth" master "$BRIDGE" up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1 2>/dev/null || true
  ip -n "$ns" link set lo up
  ip -n "$ns" -4 -o addr show dev eth0 | grep -q " ${HOST_IP[$h]}/$SUBNET_LEN " ||
    ip -n "$ns" addr add "${HOST_IP[$h]}/$SUBNET_LEN" dev eth0
  ip -n "$ns" link set eth0 up
}

# ---------------------------------------------------------------------------------------------
# control-side services

# True if a listener would keep us from binding CONTROL_IP:port: one on that address or on a
# wildcard (another lab's server on another address and the same port is no obstacle).
port_busy() {
  local addr
  while read -r _ _ _ addr _; do
    case ${addr%:*} in
    "$CONTROL_IP" | 0.0.0.0 | '*' | '[::]' | "[::ffff:$CONTROL_IP]") return 0 ;;
    esac
  done < <(ss -Hltn "sport = :$1" 2>/dev/null)
  return 1
}

start_http() {
  local pid
  if pid=$(live_pid http); then
    say "  artifact server already running (pid $pid)"
    return
  fi
  port_busy "$HTTP_PORT" && die "TCP port $HTTP_PORT is already in use on this machine" \
    "($(ss -Hltnp "sport = :$HTTP_PORT" | head -n 2)); the inventory pins http://$CONTROL_IP:$HTTP_PORT/"
  mkdir -p "$LOG_DIR"
  spawn http "$LOG_DIR/http.log" \
    "$PYTHON" -m http.server "$HTTP_PORT" --bind "$CONTROL_IP" --directory "$(artifacts_dir)"
  wait_tcp "$CONTROL_IP" "$HTTP_PORT" http ||
    die "artifact server did not start: $(tail -n 5 "$LOG_DIR/http.log")"
  say "  artifact server http://$CONTROL_IP:$HTTP_PORT/ (pid $(live_pid http))"
}

start_acng() {
  local pid port=""
  if pid=$(live_pid acng); then
    say "  apt proxy already running (pid $pid, port $(cat "$ACNG_DIR/port"))"
    return
  fi
  # A system apt-cacher-ng (started by its package) listens on *:3142; leave it alone and
  # take the next port: hosts get the port in their apt config.
  for p in "${ACNG_PORTS[@]}"; do
    if ! port_busy "$p"; then
      port=$p
      break
    fi
  done
  [[ -n $port ]] || die "no free port for the apt proxy among ${ACNG_PORTS[*]}"
  [[ $port == "${ACNG_PORTS[0]}" ]] ||
    say "  WARNING: port ${ACNG_PORTS[0]} is taken by another program; the lab's apt proxy uses $port"
  command -v apt-cacher-ng >/dev/null || die "apt-cacher-ng is missing: run 'bash lab/install-deps.sh'"
  mkdir -p "$ACNG_DIR/cache" "$ACNG_DIR/log" "$LOG_DIR"
  printf '%s\n' "$port" >"$ACNG_DIR/port"
  # An own config dir, without Debian's mirror remapping: that sends deb.debian.org requests to the
  # mirrors of backends_debian(.default), e.g. ftp.debian.org, which need not resolve here. Without
  # it the proxy fetches from the very host each lab host asks for (deb.debian.org over http).
  mkdir -p "$ACNG_DIR/conf"
  cat >"$ACNG_DIR/conf/acng.conf" <<EOF
# Written by lab/lab.sh for the lab's own apt-cacher-ng (not the system service).
SupportDir: /usr/lib/apt-cacher-ng
ReportPage: acng-report.html
EOF
  spawn acng "$LOG_DIR/apt-cacher-ng.log" \
    apt-cacher-ng -c "$ACNG_DIR/conf" ForeGround=1 Port="$port" BindAddress="$CONTROL_IP" \
    CacheDir="$ACNG_DIR/cache" LogDir="$ACNG_DIR/log" SocketPath="$ACNG_DIR/socket" \
    PidFile="$ACNG_DIR/pid" ExThreshold=0
  wait_tcp "$CONTROL_IP" "$port" acng ||
    die "apt-cacher-ng did not start: $(tail -n 5 "$LOG_DIR/apt-cacher-ng.log")"
  say "  apt proxy http://$CONTROL_IP:$port/ (pid $(live_pid acng), cache $ACNG_DIR/cache)"
}

# ---------------------------------------------------------------------------------------------
# keys and ssh client files

ensure_lab_key() {
  mkdir -p "$RUN_DIR"
  chmod 0700 "$RUN_DIR"
  if [[ -f $LAB_KEY && -f $LAB_KEY.pub ]]; then
    say "  lab key kept: $LAB_KEY"
    return
  fi
  rm -f "$LAB_KEY" "$LAB_KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C "lbprov-lab" -f "$LAB_KEY"
  say "  new lab key: $LAB_KEY"
}

# ---------------------------------------------------------------------------------------------
# hosts

host_running() { live_pid "host-$1" >/dev/null && ns_exists "$1"; }

# Writes the host's own files into its (empty) overlay upper dir before the overlay is mounted.
prepare_host_upper() { # host
  local h=$1 d=$HOSTS_DIR/$1 port
  port=$(cat "$ACNG_DIR/port")
  rm -rf "$d/upper" "$d/work"
  mkdir -p "$d/upper" "$d/work" "$d/root"
  install -d -m 0755 "$d/upper/etc" "$d/upper/etc/ssh" "$d/upper/etc/apt" "$d/upper/etc/apt/apt.conf.d"
  install -d -m 0700 "$d/upper/root" "$d/upper/root/.ssh"
  printf '%s\n' "$h" >"$d/upper/etc/hostname"
  # Every name of this lab, whatever its size (lab/topology).
  print_etc_hosts "${HOSTS[@]}" >"$d/upper/etc/hosts"
  chmod 0644 "$d/upper/etc/hosts"
  # Fresh host keys on every start of a host: a host's identity never outlives the host.
  rm -f "$d/ssh_host_ed25519_key" "$d/ssh_host_ed25519_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C "root@$h" -f "$d/ssh_host_ed25519_key"
  install -m 0600 "$d/ssh_host_ed25519_key" "$d/upper/etc/ssh/ssh_host_ed25519_key"
  install -m 0644 "$d/ssh_host_ed25519_key.pub" "$d/upper/etc/ssh/ssh_host_ed25519_key.pub"
  install -m 0600 "$LAB_KEY.pub" "$d/upper/root/.ssh/authorized_keys"
  printf 'Acquire::http::Proxy "http://%s:%s";\n' "$CONTROL_IP" "$port" \
    >"$d/upper/etc/apt/apt.conf.d/01lbprov-lab-proxy"
}

start_host() { # host rootfs
  local h=$1 rootfs=$2 pid
  if host_running "$h"; then
    say "  $h already running (pid $(live_pid "host-$h"), ${HOST_IP[$h]})"
    return
  fi
  # A host that is half there (after a failed up) is started again from scratch.
  stop_host "$h"
  setup_host_net "$h"
  prepare_host_upper "$h"
  mkdir -p "$LOG_DIR"
  setsid nsenter --net="/run/netns/$(ns_name "$h")" \
    unshare --mount --uts --ipc --pid --fork --kill-child=SIGKILL --propagation private -- \
    bash "$LAB_DIR/host-init.sh" "$h" "$rootfs" "$HOSTS_DIR/$h" >"$LOG_DIR/$h.log" 2>&1 </dev/null 9>&- &
  pid=$!
  record_pid "host-$h" "$pid"
  say "  started $h (${HOST_IP[$h]}, pid $pid)"
}

stop_host() { # host [keep-files]
  local h=$1 ns pids p veth i
  ns=$(ns_name "$h")
  # The recorded unshare ignores SIGTERM while it waits; its death SIGKILLs the host's PID 1
  # (--kill-child), which takes the whole PID namespace with it. Nothing in a host outlives `down`
  # (its files are discarded too), so there is nothing to stop gracefully.
  stop_pid "host-$h" 2 KILL
  # After a failed up, a process may sit in the netns without a record (e.g. lab.sh was killed
  # between start and record). Those PIDs are in a netns this lab made, so they are ours.
  if ns_exists "$h" && ns_is_ours "$h"; then
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [[ -n $pids ]]; then
      for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
      say "  killed unrecorded processes in $ns: $(echo "$pids" | tr '\n' ' ')"
      sleep 0.1
    fi
    ip netns del "$ns"
    say "  removed netns $ns"
  fi
  # Deleting the netns takes its eth0, and with it our veth end, asynchronously: the veth may vanish
  # between the check and the delete.
  veth=$(veth_name "$h")
  if link_exists "$veth" && link_is_ours "$veth"; then
    ip link del "$veth" 2>/dev/null || true
  fi
  for ((i = 0; i < 40; i++)); do
    link_exists "$veth" || break
    sleep 0.05
  done
  if link_exists "$veth" && link_is_ours "$veth"; then die "could not remove interface $veth"; fi
  [[ ${2:-} == keep-files ]] || rm -rf "${HOSTS_DIR:?}/$h"
}

start_hosts() { # rootfs
  local h
  for h in "${HOSTS[@]}"; do start_host "$h" "$1"; done
}

stop_hosts() {
  local h t pids=()
  for h in "${HOSTS[@]}"; do stop_host "$h" keep-files; done
  # A host that built keepalived holds ~350 MB in its upper dir: removing them side by side is
  # what keeps `down` short.
  t=$(now)
  for h in "${HOSTS[@]}"; do
    if [[ -e $HOSTS_DIR/$h ]]; then
      rm -rf "${HOSTS_DIR:?}/$h" &
      pids+=("$!")
    fi
  done
  if ((${#pids[@]})); then
    wait "${pids[@]}"
    say "  removed the hosts' files in $(since "$t")"
  fi
}

# Probes all pending hosts at once (one ssh ~0.2 s each) until each answers.
wait_ssh() {
  local h deadline pending still pids i
  deadline=$(($(now) + 30000000))
  pending=("${HOSTS[@]}")
  while ((${#pending[@]})); do
    pids=()
    for h in "${pending[@]}"; do
      ssh -F "$SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=2 "$h" true 2>/dev/null </dev/null &
      pids+=("$!")
    done
    still=()
    for i in "${!pending[@]}"; do
      h=${pending[$i]}
      if wait "${pids[$i]}"; then
        say "  $h: ssh ok"
      else
        host_running "$h" || die "$h died while starting: $(tail -n 20 "$LOG_DIR/$h.log")"
        still+=("$h")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    (($(now) < deadline)) || die "no ssh on ${pending[*]} after 30s (logs in $LOG_DIR)"
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
# commands

# Prints the real-server count that `<command> [--real-servers N]` asks for (default: the base's).
real_servers_arg() { # command [--real-servers N]
  local command=$1 count=$DEFAULT_REAL_SERVERS
  shift
  while (($#)); do
    case $1 in
    --real-servers)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] && (($2 <= MAX_REAL_SERVERS)) ||
        die "--real-servers takes a number from 1 to $MAX_REAL_SERVERS (the lab's /24), not '${2:-}'"
      count=$2
      shift 2
      ;;
    *) die "usage: $SCRIPT_NAME $command [--real-servers N]$([[ $command == up ]] && echo ' [--with-python]')" ;;
    esac
  done
  printf '%s\n' "$count"
}

cmd_up() {
  local count arg with_python=0 others=()
  for arg in "$@"; do
    if [[ $arg == --with-python ]]; then with_python=1; else others+=("$arg"); fi
  done
  count=$(real_servers_arg up "${others[@]+"${others[@]}"}")
  need_root
  take_lock
  local t rootfs h
  t=$(now)
  if [[ -f $REAL_SERVERS_FILE ]] && [[ $(cat "$REAL_SERVERS_FILE") != "$count" ]]; then
    die "the lab is up with $(cat "$REAL_SERVERS_FILE") real servers; run \`$SCRIPT_NAME down\` first to start it with $count"
  fi
  # Its hosts share one lower layer: a lab that is up keeps the root filesystem it started on.
  if [[ -f $REAL_SERVERS_FILE ]] && ((with_python != WITH_PYTHON)); then
    die "the lab is up $( ((WITH_PYTHON)) && echo with || echo without) Python on its hosts;" \
      "run \`$SCRIPT_NAME down\` first to start it $( ((with_python)) && echo with || echo without) it"
  fi
  WITH_PYTHON=$with_python
  set_topology "$count"
  mkdir -p "$RUN_DIR"
  printf '%s\n' "$count" >"$REAL_SERVERS_FILE"
  if ((WITH_PYTHON)); then : >"$WITH_PYTHON_FILE"; else rm -f "$WITH_PYTHON_FILE"; fi
  step "check for clashes (bridge $BRIDGE, subnet $SUBNET_ADDR/$SUBNET_LEN)" check_clashes
  step "root filesystem" build_rootfs
  rootfs=$(rootfs_dir)
  step "artifacts" fetch_artifacts
  local any=0
  for h in "${HOSTS[@]}"; do host_running "$h" && any=1; done
  # A new lab gets a new key; a lab that is partly up keeps the key its hosts already trust.
  ((any)) || rm -f "$LAB_KEY" "$LAB_KEY.pub"
  step "lab key" ensure_lab_key
  step "bridge and control address" setup_bridge
  step "artifact server" start_http
  step "apt proxy" start_acng
  step "hosts" start_hosts "$rootfs"
  step "ssh client files" write_ssh_files "$HOSTS_DIR" 5
  step "wait for sshd" wait_ssh
  write_topology
  say "up in $(since "$t"): ssh -F $SSH_CONFIG lb1   or   bash lab/lab.sh ssh lb1"
}

cmd_down() {
  need_root
  take_lock
  local t h
  t=$(now)
  step "hosts" stop_hosts
  step "apt proxy" stop_pid acng
  step "artifact server" stop_pid http
  step "bridge" remove_bridge
  rm -f "$REAL_SERVERS_FILE" "$WITH_PYTHON_FILE" "$TOPOLOGY_FILE"
  say "down in $(since "$t")"
}

# Exit status: 0 all up, 1 partly up, 3 down.
cmd_status() {
  local t up=0 total=0 h pid mem=0 p kb
  t=$(now)
  printf '%-8s %-16s %-8s %s\n' NAME ADDRESS PID STATE
  if link_exists "$BRIDGE" && link_is_ours "$BRIDGE"; then
    printf '%-8s %-16s %-8s %s\n' bridge "$CONTROL_IP" - "up ($BRIDGE)"
    up=$((up + 1))
  else
    printf '%-8s %-16s %-8s %s\n' bridge "$CONTROL_IP" - down
  fi
  total=$((total + 1))
  for h in "${HOSTS[@]}"; do
    total=$((total + 1))
    if pid=$(live_pid "host-$h") && ns_exists "$h"; then
      local state=running
      if [[ -f $SSH_CONFIG ]] && ssh -F "$SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=2 "$h" true 2>/dev/null; then
        state="running, ssh ok"
        up=$((up + 1))
      else
        state="running, ssh FAILING"
      fi
      printf '%-8s %-16s %-8s %s\n' "$h" "${HOST_IP[$h]}" "$pid" "$state"
      for p in $(ip netns pids "$(ns_name "$h")" 2>/dev/null); do
        kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
        mem=$((mem + ${kb:-0}))
      done
    else
      printf '%-8s %-16s %-8s %s\n' "$h" "${HOST_IP[$h]}" - down
    fi
  done
  for p in http acng; do
    total=$((total + 1))
    if pid=$(live_pid "$p"); then
      up=$((up + 1))
      local where="http://$CONTROL_IP:$HTTP_PORT/"
      [[ $p == acng ]] && where="http://$CONTROL_IP:$(cat "$ACNG_DIR/port" 2>/dev/null)/ (apt proxy)"
      printf '%-8s %-16s %-8s %s\n' "$p" "$CONTROL_IP" "$pid" "running $where"
      kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
      mem=$((mem + ${kb:-0}))
    else
      printf '%-8s %-16s %-8s %s\n' "$p" "$CONTROL_IP" - down
    fi
  done
  say "rootfs: $(rootfs_dir) $([[ -d "$(rootfs_dir)" ]] && echo cached || echo 'not built')"
  say "memory (PSS of lab processes): $((mem / 1024)) MiB"
  say "status in $(since "$t"): $up of $total up"
  ((up == total)) && return 0
  ((up == 0)) && return 3
  return 1
}

# Removes cached root filesystems other than the current ones (with and without Python), and the
# apt proxy's cache.
cmd_clean() {
  need_root
  take_lock
  local t d keep
  t=$(now)
  keep=" $(WITH_PYTHON=0 rootfs_dir) $(WITH_PYTHON=1 rootfs_dir) "
  for d in "$CACHE_DIR"/rootfs-*; do
    [[ -e $d && $keep != *" $d "* ]] || continue
    # Never pull a lower layer from under a running host (another checkout's lab, say).
    if grep -qF "lowerdir=$d" /proc/*/mountinfo 2>/dev/null; then
      say "  $d is in use: kept"
      continue
    fi
    rm -rf "$d"
    say "  removed $d"
  done
  if ! live_pid acng >/dev/null; then
    rm -rf "$ACNG_DIR/cache"
    say "  removed apt proxy cache"
  fi
  say "clean in $(since "$t")"
}

# Prints the hosts `up [--real-servers N]` would run, as it writes them to .run/topology ("name
# address role" per line): no root, nothing made or read but lab/topology. The lab that is up lists
# its own hosts in .run/topology.
cmd_topology() {
  local count
  count=$(real_servers_arg topology "$@")
  set_topology "$count"
  print_topology
}

main() {
  local cmd=${1:-}
  # The Vagrant lab answers the same commands (lab/vagrant.sh ignores the --vagrant word itself).
  if [[ ${LBPROV_LAB:-} == vagrant || " $* " == *" --vagrant "* ]]; then
    exec bash "$LAB_DIR/vagrant.sh" "$@"
  fi
  shift || true
  case $cmd in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  ssh) cmd_ssh "$@" ;;
  clean) cmd_clean "$@" ;;
  topology) cmd_topology "$@" ;;
  *) die "usage: lab.sh up [--real-servers N] [--with-python] | down | status | ssh <host> [command...] | clean | topology [--real-servers N]" ;;
  esac
}

main "$@"
