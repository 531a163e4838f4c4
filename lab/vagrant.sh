#!/usr/bin/env bash
# lbprov Vagrant lab: the namespace lab's five base hosts (lab/topology: lb1, lb2, rs1, rs2,
# client) as real VMs (real kernels with IPVS, systemd), same addresses, same inventory
# (inventory/lab.yaml), same ssh files (lab/.run/{id_ed25519,known_hosts,ssh_config}).
# See vagrant/README.md.
#
#   bash lab/vagrant.sh up | down | status | ssh <host> [command...] | box | clean | topology
#   (also reached as `bash lab/lab.sh <command> --vagrant` or with LBPROV_LAB=vagrant)
#
# On this kind of machine (no usable KVM, no box download) it builds a local Debian 12 box, starts
# libvirtd/virtlogd if they are not running (and stops only those it started), and brings the
# guests up with vagrant-libvirt and QEMU software emulation. Each guest's only NIC joins the lab
# bridge (default lbprov-br0, control address .1 with the artifact server and the apt proxy), so
# the two labs are mutually exclusive: `up` refuses while namespace hosts are up, and lab/lab.sh
# refuses while this lab holds the bridge.
#
# Settings (environment): LBPROV_LAB_BRIDGE (lbprov-br0), LBPROV_LAB_SUBNET (lab/topology's first
# three octets), LBPROV_LAB_RUN_DIR (lab/.run), LBPROV_LAB_CACHE_DIR (/var/cache/lbprov-lab),
# LBPROV_VAGRANT_PREFIX (lbprov-lab-), LBPROV_VAGRANT_NICE (19), LBPROV_VAGRANT_HOSTS (all five),
# LBPROV_VAGRANT_BOX_VARIANT (plain | prebuilt: keepalived/ipvsadm already built in the box),
# LBPROV_VAGRANT_BOX (unset: the local box; set: a public box and public mode, see vagrant/README.md).
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAY_TAG=vagrant-lab
SCRIPT_NAME=vagrant.sh
# shellcheck source=lab/common.sh
source "$LAB_DIR/common.sh"
REPO_DIR=$(cd "$LAB_DIR/.." && pwd)
VAGRANT_DIR=$REPO_DIR/vagrant
RUN_DIR=${LBPROV_LAB_RUN_DIR:-$LAB_DIR/.run}
CACHE_DIR=${LBPROV_LAB_CACHE_DIR:-/var/cache/lbprov-lab}

BRIDGE=${LBPROV_LAB_BRIDGE:-lbprov-br0}
PREFIX=${LBPROV_VAGRANT_PREFIX:-lbprov-lab-}
NICE=${LBPROV_VAGRANT_NICE:-19}
PUBLIC_BOX=${LBPROV_VAGRANT_BOX:-}
BOX_VARIANT=${LBPROV_VAGRANT_BOX_VARIANT:-plain}
PROVIDER=${LBPROV_VAGRANT_PROVIDER:-libvirt}
MODE=local
[[ -n $PUBLIC_BOX ]] && MODE=public

[[ -z ${LBPROV_LAB_SUBNET:-} || $LBPROV_LAB_SUBNET =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
  die "LBPROV_LAB_SUBNET must be three octets, e.g. 192.168.57"
[[ $PREFIX =~ ^[a-z][a-z0-9-]*$ ]] || die "LBPROV_VAGRANT_PREFIX must match [a-z][a-z0-9-]*"
# The base hosts of lab/topology, on LBPROV_LAB_SUBNET if set: NET_PREFIX, SUBNET_ADDR, SUBNET_LEN,
# CONTROL_IP, VIP; HOSTS, HOST_IP, HOST_ROLE. TOPOLOGY_NET_PREFIX is the file's own subnet.
load_topology "${LBPROV_LAB_SUBNET:-}"
set_topology "$DEFAULT_REAL_SERVERS"
ALL_HOSTS=("${HOSTS[@]}")
# A subset for development (e.g. "lb1 rs1"): the end-to-end scenario needs all five.
read -ra HOSTS <<<"${LBPROV_VAGRANT_HOSTS:-${ALL_HOSTS[*]}}"
for _h in "${HOSTS[@]}"; do
  [[ -n ${HOST_IP[$_h]:-} ]] || die "LBPROV_VAGRANT_HOSTS: unknown host '$_h' (hosts: ${ALL_HOSTS[*]})"
done
export LBPROV_VAGRANT_HOSTS="${HOSTS[*]}"
HTTP_PORT=8080
ACNG_PORTS=(3142 3143 3144 3145)
# Namespace-lab names (lab/lab.sh): its hosts' netns and its bridge mark.
NS_PREFIX=lbprov-
NS_MARK_PREFIX="lbprov-lab:"
# Every link this lab creates carries this alias (the namespace lab's is "lbprov-lab:<run dir>").
MARK="lbprov-vagrant-lab:$RUN_DIR"
# The default bridge is the namespace lab's: share its lock so lab.sh and this script never run at
# once; a development bridge gets its own lock.
if [[ $BRIDGE == lbprov-br0 ]]; then LOCK_FILE=/run/lbprov-lab.lock; else LOCK_FILE=/run/lbprov-lab-$BRIDGE.lock; fi
LOCK_USER="lab command"
LOCK_WAIT=900

# Files lbprov and the tests read, exactly where the namespace lab puts them.
SSH_CONFIG=$RUN_DIR/ssh_config
KNOWN_HOSTS=$RUN_DIR/known_hosts
LAB_KEY=$RUN_DIR/id_ed25519
# This lab's own state.
VRUN=$RUN_DIR/vagrant
PID_DIR=$VRUN/pids
# libvirtd and virtlogd serve every instance of this lab on the machine (another bridge/prefix for
# development, say): their records are machine-wide, and whichever `down` leaves libvirtd without
# any domain stops them.
LIBVIRT_PID_DIR=/run/lbprov-vagrant/pids
LOG_DIR=$VRUN/logs
KEYS_DIR=$VRUN/keys
ACNG_DIR=$VRUN/apt-cacher-ng
INVENTORY_COPY=$VRUN/lab.yaml
# What QEMU (user libvirt-qemu) must read or write: seeds and console logs. Not under RUN_DIR,
# which is 0700.
STATE_DIR=/run/lbprov-vagrant/${PREFIX%-}
POOL=${PREFIX}pool
POOL_DIR=$CACHE_DIR/libvirt-pool-${PREFIX%-}
ARTIFACTS_DIR=$CACHE_DIR/artifacts
ARTIFACTS=(keepalived_2.2.7.orig.tar.gz ipvsadm_1.31.orig.tar.gz)
SOURCE_PACKAGES=(keepalived ipvsadm)
ACNG_CACHE=$CACHE_DIR/vagrant-apt-cacher-ng
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PYTHON=/usr/bin/python3
VIRSH=(virsh -q -c qemu:///system)

export VAGRANT_HOME=${LBPROV_VAGRANT_HOME:-$CACHE_DIR/vagrant.d}
export VAGRANT_CWD=$VAGRANT_DIR
export VAGRANT_DOTFILE_PATH=$VRUN/dot
export VAGRANT_CHECKPOINT_DISABLE=1 VAGRANT_BOX_UPDATE_CHECK_DISABLE=1 VAGRANT_NO_COLOR=1
export VAGRANT_DEFAULT_PROVIDER=$PROVIDER
export LBPROV_VAGRANT_MODE=$MODE LBPROV_LAB_SUBNET=$NET_PREFIX LBPROV_LAB_BRIDGE=$BRIDGE
export LBPROV_VAGRANT_PREFIX=$PREFIX LBPROV_VAGRANT_POOL=$POOL LBPROV_VAGRANT_STATE_DIR=$STATE_DIR
export LBPROV_VAGRANT_KEYS_DIR=$KEYS_DIR

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (libvirt, bridge): try sudo"; }

need_tools() {
  local t missing=()
  for t in "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
  ((${#missing[@]} == 0)) || die "missing: ${missing[*]}: run 'bash vagrant/install-deps.sh'"
}

# ---------------------------------------------------------------------------------------------
# clashes: the namespace lab, other users of the bridge name or the subnet

namespace_hosts_up() { # prints the namespace lab's netns names that exist
  ip netns list 2>/dev/null | awk -v p="$NS_PREFIX" 'index($1, p) == 1 {print $1}'
}

check_clashes() {
  local ns kind what where
  ns=$(namespace_hosts_up | tr '\n' ' ')
  if [[ $BRIDGE == lbprov-br0 && -n $ns ]]; then
    die "the namespace lab is up (network namespaces: $ns) and uses the same bridge and addresses:" \
      "bring it down first with 'bash lab/lab.sh down' (the two labs are mutually exclusive)"
  fi
  if link_exists "$BRIDGE" && ! link_is_ours "$BRIDGE"; then
    if [[ "$(link_alias "$BRIDGE")" == "$NS_MARK_PREFIX"* ]]; then
      die "the namespace lab holds bridge $BRIDGE ($(link_alias "$BRIDGE")): bring it down first" \
        "with 'bash lab/lab.sh down' (the two labs are mutually exclusive)"
    fi
    die "a network interface named $BRIDGE already exists and was not made by this lab" \
      "(alias '$(link_alias "$BRIDGE")'): remove it, or choose another with LBPROV_LAB_BRIDGE"
  fi
  if IFS=$'\t' read -r kind what where < <(subnet_clash); then
    case $kind in
    address) die "address $what on $where is inside the lab subnet $SUBNET_ADDR/$SUBNET_LEN: the lab will not share it" ;;
    route) die "a route to $what ('$where') overlaps the lab subnet $SUBNET_ADDR/$SUBNET_LEN" ;;
    esac
  fi
}

# ---------------------------------------------------------------------------------------------
# libvirt: started here only if not running; the /dev/kvm re-probe trap is avoided

libvirt_up() { timeout 20 "${VIRSH[@]}" uri >/dev/null 2>&1; }

# With /dev/kvm present but not usable by QEMU's user, libvirt finds KVM "enabled when probing but
# not available now" and re-probes QEMU on every call (a 5-guest `vagrant up` then takes minutes
# more). The libvirtd started here runs in its own mount namespace (mounts from the machine still
# propagate in, none propagate out) where /dev/kvm is a private node of the same device that group
# kvm may open: the probe and the check then agree and the capabilities stay cached. The machine's
# own /dev/kvm is not touched. Guests use TCG (domain type qemu) all the same.
start_libvirt() {
  local i PID_DIR=$LIBVIRT_PID_DIR
  if live_pid libvirtd >/dev/null; then
    say "  libvirtd already running (ours, pid $(live_pid libvirtd))"
    return
  fi
  if libvirt_up; then
    say "  libvirtd is running and not ours: using it, and leaving it running at down"
    if [[ -e /dev/kvm ]] && ! sudo -u libvirt-qemu test -r /dev/kvm -a -w /dev/kvm 2>/dev/null; then
      say "  WARNING: /dev/kvm exists but QEMU's user cannot open it: that libvirtd may re-probe QEMU on every call (slow)"
    fi
    return
  fi
  need_tools libvirtd virtlogd unshare
  mkdir -p "$LOG_DIR" /run/libvirt
  if ! live_pid virtlogd >/dev/null; then
    if [[ -S /run/libvirt/virtlogd-sock ]] && timeout 5 virt-admin -c virtlogd:///system srv-list >/dev/null 2>&1; then
      say "  virtlogd is running and not ours: using it"
    else
      spawn virtlogd "$LOG_DIR/virtlogd.log" virtlogd
      say "  started virtlogd (pid $(live_pid virtlogd))"
    fi
  fi
  # Children (the QEMU guests) inherit libvirtd's niceness: CPU-heavy guests yield to other work.
  spawn libvirtd "$LOG_DIR/libvirtd.log" nice -n "$NICE" unshare --mount --propagation slave -- bash -c '
    set -eu
    d=/run/lbprov-vagrant/.kvm
    mkdir -p "$d"
    mount -t tmpfs -o size=64k,mode=0755 lbprov-kvm "$d"
    if [ -c /dev/kvm ]; then
      mknod -m 0660 "$d/kvm" c 10 232
      chgrp kvm "$d/kvm"
      mount --bind "$d/kvm" /dev/kvm
    fi
    exec libvirtd
  '
  for ((i = 0; i < 200; i++)); do
    libvirt_up && break
    live_pid libvirtd >/dev/null || die "libvirtd exited at start: $(tail -n 5 "$LOG_DIR/libvirtd.log")"
    sleep 0.1
  done
  libvirt_up || die "libvirtd did not answer within 20s: $(tail -n 5 "$LOG_DIR/libvirtd.log")"
  say "  started libvirtd (pid $(live_pid libvirtd), nice $NICE, private /dev/kvm)"
}

stop_libvirt() {
  local PID_DIR=$LIBVIRT_PID_DIR others
  if live_pid libvirtd >/dev/null; then
    others=$("${VIRSH[@]}" list --all --name 2>/dev/null | tr '\n' ' ')
    if [[ -n ${others// /} ]]; then
      say "  libvirtd (pid $(live_pid libvirtd)) still has domains ($others): left running for them"
      return
    fi
    stop_pid libvirtd 15
  fi
  stop_pid virtlogd 5
}

our_domains() { # every libvirt domain named <prefix><host>
  libvirt_up || return 0
  "${VIRSH[@]}" list --all --name 2>/dev/null | awk -v p="$PREFIX" 'index($1, p) == 1 {print $1}'
}

setup_pool() {
  mkdir -p "$POOL_DIR"
  chmod 0755 "$CACHE_DIR" "$POOL_DIR"
  if "${VIRSH[@]}" pool-info "$POOL" >/dev/null 2>&1; then
    "${VIRSH[@]}" pool-refresh "$POOL" >/dev/null
    say "  storage pool $POOL exists ($POOL_DIR)"
    return
  fi
  # Transient: it vanishes at pool-destroy (down) or with libvirtd; its files (the uploaded box
  # volume) stay in the cache dir, so the next up finds the box volume without uploading it again.
  "${VIRSH[@]}" pool-create-as "$POOL" dir --target "$POOL_DIR" >/dev/null
  say "  storage pool $POOL ($POOL_DIR, transient)"
}

remove_pool() {
  libvirt_up || return 0
  if "${VIRSH[@]}" pool-info "$POOL" >/dev/null 2>&1; then
    local vol
    "${VIRSH[@]}" pool-refresh "$POOL" >/dev/null 2>&1 || true
    # Guest disks are ours to delete; box volumes are the cache.
    for vol in $("${VIRSH[@]}" vol-list "$POOL" 2>/dev/null | awk '{print $1}'); do
      if [[ $vol == "$PREFIX"* ]]; then
        "${VIRSH[@]}" vol-delete --pool "$POOL" "$vol" >/dev/null && say "  deleted volume $vol"
      fi
    done
    if "${VIRSH[@]}" pool-info "$POOL" 2>/dev/null | grep -q '^Persistent: *yes'; then
      "${VIRSH[@]}" pool-destroy "$POOL" >/dev/null 2>&1 || true
      "${VIRSH[@]}" pool-undefine "$POOL" >/dev/null
    else
      "${VIRSH[@]}" pool-destroy "$POOL" >/dev/null
    fi
    say "  removed storage pool $POOL"
  fi
}

# ---------------------------------------------------------------------------------------------
# the box

BOX_NAME=""
ensure_box() {
  local line file
  line=$(bash "$VAGRANT_DIR/build-box.sh" | tail -n 1)
  BOX_NAME=${line%% *}
  file=${line#* }
  [[ -f $file ]] || die "box build did not produce $file"
  if [[ -d $VAGRANT_HOME/boxes/${BOX_NAME//\//-VAGRANTSLASH-} ]]; then
    say "  box $BOX_NAME known to Vagrant ($VAGRANT_HOME)"
  else
    mkdir -p "$VAGRANT_HOME"
    # Not from the lab's Vagrantfile dir: adding a box needs no Vagrantfile (and ours wants keys).
    (cd "$VAGRANT_HOME" && VAGRANT_CWD=$VAGRANT_HOME vagrant box add --name "$BOX_NAME" "$file") \
      >"$LOG_DIR/box-add.log" 2>&1 ||
      die "vagrant box add failed: $(tail -n 5 "$LOG_DIR/box-add.log")"
    say "  added box $BOX_NAME to $VAGRANT_HOME"
  fi
  export LBPROV_VAGRANT_BOX=$BOX_NAME
}

current_box_name() {
  local line
  line=$(bash "$VAGRANT_DIR/build-box.sh" --print 2>/dev/null || true)
  printf '%s' "${line%% *}"
}

# ---------------------------------------------------------------------------------------------
# keys, seeds and ssh client files

lab_is_down() {
  [[ -z "$(our_domains)" ]]
}

ensure_lab_key() {
  mkdir -p "$RUN_DIR" "$KEYS_DIR"
  chmod 0700 "$RUN_DIR" "$KEYS_DIR"
  if [[ -f $LAB_KEY && -f $LAB_KEY.pub && -f $KEYS_DIR/id_ed25519 ]] && cmp -s "$LAB_KEY" "$KEYS_DIR/id_ed25519"; then
    say "  lab key kept: $LAB_KEY"
    return
  fi
  rm -f "$LAB_KEY" "$LAB_KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C "lbprov-lab" -f "$LAB_KEY"
  install -m 0600 "$LAB_KEY" "$KEYS_DIR/id_ed25519"
  install -m 0644 "$LAB_KEY.pub" "$KEYS_DIR/id_ed25519.pub"
  say "  new lab key: $LAB_KEY"
}

# A guest's host key is made here, on the control side, before the guest exists: known_hosts is
# right before the first connection, and no key is ever learnt from the network.
ensure_host_key() { # host
  local d=$KEYS_DIR/hosts/$1
  mkdir -p "$d"
  chmod 0700 "$d"
  if [[ ! -f $d/ssh_host_ed25519_key ]]; then
    ssh-keygen -q -t ed25519 -N '' -C "root@$1" -f "$d/ssh_host_ed25519_key"
  fi
}

proxy_port() { cat "$ACNG_DIR/port" 2>/dev/null || printf '%s' "${ACNG_PORTS[0]}"; }

write_seed() { # host
  local h=$1 stage tmp
  stage=$(mktemp -d "$VRUN/.seed-$h.XXXXXX")
  install -d -m 0755 "$stage/etc" "$stage/etc/ssh" "$stage/etc/systemd/network" "$stage/etc/apt/apt.conf.d"
  install -d -m 0700 "$stage/root" "$stage/root/.ssh"
  printf '%s\n' "$h" >"$stage/etc/hostname"
  print_etc_hosts "${ALL_HOSTS[@]}" >"$stage/etc/hosts"
  install -m 0600 "$KEYS_DIR/hosts/$h/ssh_host_ed25519_key" "$stage/etc/ssh/ssh_host_ed25519_key"
  install -m 0644 "$KEYS_DIR/hosts/$h/ssh_host_ed25519_key.pub" "$stage/etc/ssh/ssh_host_ed25519_key.pub"
  install -m 0600 "$LAB_KEY.pub" "$stage/root/.ssh/authorized_keys"
  cat >"$stage/etc/systemd/network/10-lbprov-lab.network" <<EOF
# lbprov Vagrant lab: the guest's static lab address; no gateway, no DNS (no route out).
[Match]
Name=eth0

[Network]
Address=${HOST_IP[$h]}/$SUBNET_LEN
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
  printf 'Acquire::http::Proxy "http://%s:%s";\n' "$CONTROL_IP" "$(proxy_port)" \
    >"$stage/etc/apt/apt.conf.d/01lbprov-lab-proxy"
  mkdir -p "$STATE_DIR/seeds"
  tmp=$STATE_DIR/seeds/.$h.tar.tmp
  tar --owner=0 --group=0 --numeric-owner -C "$stage" -cf "$tmp" etc root
  rm -rf "$stage"
  # QEMU runs as libvirt-qemu and reads the seed when the guest starts.
  chgrp libvirt-qemu "$tmp"
  chmod 0640 "$tmp"
  mv "$tmp" "$STATE_DIR/seeds/$h.tar"
}

prepare_state_dir() {
  mkdir -p "$STATE_DIR/seeds" "$STATE_DIR/console"
  chgrp libvirt-qemu "$STATE_DIR" "$STATE_DIR/seeds" "$STATE_DIR/console"
  chmod 0750 "$STATE_DIR" "$STATE_DIR/seeds"
  chmod 0770 "$STATE_DIR/console"
  chmod 0755 /run/lbprov-vagrant
}

# inventory/lab.yaml for this lab's subnet and run dir (identical in content otherwise). With the
# default subnet and run dir it equals inventory/lab.yaml, which the tests then use as it is.
# (test/unit/lab-topology.test.ts holds inventory/lab.yaml's addresses to lab/topology's subnet.)
write_inventory_copy() {
  local iface=eth0
  [[ $MODE == public ]] && iface=eth1
  sed -e "s#${TOPOLOGY_NET_PREFIX//./\\.}\.#$NET_PREFIX.#g" -e "s#\.\./lab/\.run/#$RUN_DIR/#g" \
    -e "s#^\(  interface: \)eth0#\1$iface#" "$REPO_DIR/inventory/lab.yaml" >"$INVENTORY_COPY.tmp"
  mv "$INVENTORY_COPY.tmp" "$INVENTORY_COPY"
}

# ---------------------------------------------------------------------------------------------
# control side: bridge, artifact server, apt proxy (the namespace lab's, on the same addresses)

verify_against_dsc() { # dir file
  local dir=$1 f=$2 want got
  want=$(dsc_sha256 "$dir" "$f")
  got=$(sha256sum "$dir/$f" | cut -d' ' -f1)
  [[ -n $want ]] || die "no sha256 for $f in the .dsc files"
  [[ $want == "$got" ]] || die "$f: sha256 $got does not match the .dsc ($want)"
}

# The same source tarballs, in the same cache, as the namespace lab (lab/lab.sh fetch_artifacts).
fetch_artifacts() {
  local work f missing=0
  for f in "${ARTIFACTS[@]}"; do [[ -f $ARTIFACTS_DIR/$f ]] || missing=1; done
  if ((missing)); then
    mkdir -p "$ARTIFACTS_DIR"
    exec 8>"$CACHE_DIR/.artifacts.lock"
    flock -w 600 8 || die "timed out waiting for $CACHE_DIR/.artifacts.lock"
    work=$(mktemp -d "$CACHE_DIR/apt-src-vagrant.XXXXXX")
    write_apt_src_config "$work"
    say "  downloading Debian source packages: ${SOURCE_PACKAGES[*]}"
    APT_CONFIG=$work/apt.conf apt-get -q update >"$work/update.log" 2>&1 ||
      die "apt-get update for deb-src failed: $(tail -n 5 "$work/update.log")"
    # Some mirrors lack the .debian.tar.xz: apt-get then fails but keeps the verified orig tarballs.
    (cd "$work/dl" && APT_CONFIG=$work/apt.conf apt-get -q source --download-only "${SOURCE_PACKAGES[@]}") \
      >"$work/source.log" 2>&1 || true
    for f in "${ARTIFACTS[@]}"; do
      [[ -f $work/dl/$f ]] || die "apt-get source did not produce $f: $(tail -n 5 "$work/source.log")"
      verify_against_dsc "$work/dl" "$f"
    done
    cp -n "$work/dl/"*.dsc "$work/dl/"*.orig.tar.gz "$ARTIFACTS_DIR/"
    rm -rf "$work"
    exec 8>&-
  else
    say "  artifacts cached: $ARTIFACTS_DIR"
  fi
  copy_howto_sources "$ARTIFACTS_DIR"
  list_artifacts "$ARTIFACTS_DIR" "${HOWTO_ARTIFACTS[@]}" "${ARTIFACTS[@]}"
}

# Busy on the control address (or on all addresses): another program's listener on another
# address (e.g. the namespace lab's, during development on another subnet) does not matter.
port_busy() { # addr port
  ss -Hltn "sport = :$2" 2>/dev/null | awk '{print $4}' | grep -qE "^($1|0\.0\.0\.0|\*|\[::\]):$2\$"
}

start_http() {
  local pid
  if pid=$(live_pid http); then
    say "  artifact server already running (pid $pid)"
    return
  fi
  port_busy "$CONTROL_IP" "$HTTP_PORT" && die "TCP port $HTTP_PORT is already in use on $CONTROL_IP"
  mkdir -p "$LOG_DIR"
  spawn http "$LOG_DIR/http.log" "$PYTHON" -m http.server "$HTTP_PORT" --bind "$CONTROL_IP" --directory "$ARTIFACTS_DIR"
  wait_tcp "$CONTROL_IP" "$HTTP_PORT" http || die "artifact server did not start: $(tail -n 5 "$LOG_DIR/http.log")"
  say "  artifact server http://$CONTROL_IP:$HTTP_PORT/ (pid $(live_pid http))"
}

start_acng() {
  local pid port="" p
  if pid=$(live_pid acng); then
    say "  apt proxy already running (pid $pid, port $(proxy_port))"
    return
  fi
  for p in "${ACNG_PORTS[@]}"; do
    if ! port_busy "$CONTROL_IP" "$p"; then
      port=$p
      break
    fi
  done
  [[ -n $port ]] || die "no free port for the apt proxy among ${ACNG_PORTS[*]}"
  [[ $port == "${ACNG_PORTS[0]}" ]] || say "  WARNING: port ${ACNG_PORTS[0]} is taken; the apt proxy uses $port"
  need_tools apt-cacher-ng
  # The cache is kept between runs (warm package installs); config and logs live in the run dir.
  mkdir -p "$ACNG_CACHE" "$ACNG_DIR/log" "$ACNG_DIR/conf" "$LOG_DIR"
  printf '%s\n' "$port" >"$ACNG_DIR/port"
  cat >"$ACNG_DIR/conf/acng.conf" <<EOF
# Written by lab/vagrant.sh for the lab's own apt-cacher-ng (no mirror remapping).
SupportDir: /usr/lib/apt-cacher-ng
ReportPage: acng-report.html
EOF
  spawn acng "$LOG_DIR/apt-cacher-ng.log" \
    apt-cacher-ng -c "$ACNG_DIR/conf" ForeGround=1 Port="$port" BindAddress="$CONTROL_IP" \
    CacheDir="$ACNG_CACHE" LogDir="$ACNG_DIR/log" SocketPath="$ACNG_DIR/socket" \
    PidFile="$ACNG_DIR/pid" ExThreshold=0
  wait_tcp "$CONTROL_IP" "$port" acng || die "apt-cacher-ng did not start: $(tail -n 5 "$LOG_DIR/apt-cacher-ng.log")"
  say "  apt proxy http://$CONTROL_IP:$port/ (pid $(live_pid acng), cache $ACNG_CACHE)"
}

# ---------------------------------------------------------------------------------------------
# guests

vagrant_cmd() { # logs to LOG_DIR/vagrant-<what>.log, prints its tail on failure
  local what=$1 rc=0
  shift
  mkdir -p "$LOG_DIR"
  vagrant "$@" >"$LOG_DIR/vagrant-$what.log" 2>&1 || rc=$?
  if ((rc)); then
    tail -n 40 "$LOG_DIR/vagrant-$what.log" >&2
    say "vagrant $* failed (exit $rc); full log: $LOG_DIR/vagrant-$what.log"
  fi
  return "$rc"
}

guests_up() {
  local t h
  t=$(now)
  for h in "${HOSTS[@]}"; do : >"$STATE_DIR/console/$h.log" 2>/dev/null || true; done
  vagrant_cmd up up --no-provision || die "vagrant up failed"
  tr '\r' '\n' <"$LOG_DIR/vagrant-up.log" | grep -E '^==> .*(Uploading base box|Machine booted)' |
    sed 's/^/vagrant-lab:     /' || true
  say "  vagrant up: $(since "$t")"
}

wait_ssh() {
  local h deadline pending
  deadline=$(($(now) + 300000000))
  pending=("${HOSTS[@]}")
  while ((${#pending[@]})); do
    local still=()
    for h in "${pending[@]}"; do
      if ssh -F "$SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=5 "$h" true 2>/dev/null; then
        say "  $h: ssh ok (host key as generated on the control side)"
      else
        still+=("$h")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    (($(now) < deadline)) || die "no strict-host-key ssh to ${pending[*]} after 300s (consoles: $STATE_DIR/console)"
    sleep 1
  done
}

guests_down() {
  local d vol
  if [[ -d $VAGRANT_DOTFILE_PATH ]] && libvirt_up; then
    # The box name is needed to load the Vagrantfile; any will do for destroy.
    export LBPROV_VAGRANT_BOX=${LBPROV_VAGRANT_BOX:-$(current_box_name)}
    [[ -n $LBPROV_VAGRANT_BOX ]] || export LBPROV_VAGRANT_BOX=lbprov/unknown
    mkdir -p "$KEYS_DIR" "$STATE_DIR"
    [[ -f $KEYS_DIR/id_ed25519 ]] || : >"$KEYS_DIR/id_ed25519"
    vagrant_cmd destroy destroy -f || say "  vagrant destroy failed: removing the domains with virsh"
  fi
  # Whatever vagrant did not remove (a failed up, a lost .vagrant dir): every domain with our prefix.
  for d in $(our_domains); do
    "${VIRSH[@]}" destroy "$d" >/dev/null 2>&1 || true
    "${VIRSH[@]}" undefine --nvram "$d" >/dev/null 2>&1 || "${VIRSH[@]}" undefine "$d" >/dev/null 2>&1 || true
    say "  removed domain $d"
  done
  if libvirt_up && "${VIRSH[@]}" pool-info "$POOL" >/dev/null 2>&1; then
    for vol in $("${VIRSH[@]}" vol-list "$POOL" 2>/dev/null | awk '{print $1}'); do
      [[ $vol == "$PREFIX"* ]] || continue
      "${VIRSH[@]}" vol-delete --pool "$POOL" "$vol" >/dev/null && say "  deleted volume $vol"
    done
  fi
  rm -rf "$VAGRANT_DOTFILE_PATH"
}

# QEMU processes of this lab's guests, found by their -name guest=<prefix><host>.
guest_qemu_pids() {
  local p
  for p in $(pgrep -f -- "-name guest=$PREFIX" 2>/dev/null || true); do
    [[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" == *"-name guest=$PREFIX"* ]] && printf '%s\n' "$p"
  done
}

memory_report() {
  local p kb total=0 n=0
  for p in $(guest_qemu_pids); do
    kb=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
    n=$((n + 1))
  done
  say "memory: $n QEMU guests use $((total / 1024)) MiB (RSS); machine: $(free -m | awk '/^Mem:/ {print $3 " MiB used, " $7 " MiB available"}')"
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  need_root
  [[ $MODE == local ]] || {
    cmd_up_public "$@"
    return
  }
  need_tools vagrant virsh qemu-system-x86_64 ssh ssh-keygen tar
  take_lock
  local t h
  t=$(now)
  mkdir -p "$VRUN" "$LOG_DIR"
  chmod 0700 "$RUN_DIR" 2>/dev/null || true
  step "check for clashes (namespace lab, bridge $BRIDGE, subnet $SUBNET_ADDR/$SUBNET_LEN)" check_clashes
  step "artifacts" fetch_artifacts
  step "box ($BOX_VARIANT)" ensure_box_and_libvirt
  # A new lab gets a new lab key and new host keys; a lab that is partly up keeps the keys its
  # guests already have.
  if lab_is_down; then
    rm -f "$LAB_KEY" "$LAB_KEY.pub" "$KEYS_DIR/id_ed25519" "$KEYS_DIR/id_ed25519.pub"
    rm -rf "$KEYS_DIR/hosts"
  fi
  step "lab key" ensure_lab_key
  step "host keys (made here, known before first contact)" host_keys
  step "bridge and control address" setup_bridge
  step "artifact server" start_http
  step "apt proxy" start_acng
  step "seeds" seeds
  step "ssh client files and inventory copy" ssh_and_inventory
  step "guests (vagrant up, QEMU TCG)" guests_up
  step "strict-host-key ssh to every guest" wait_ssh
  memory_report
  say "up in $(since "$t"): ssh -F $SSH_CONFIG lb1   or   bash lab/vagrant.sh ssh lb1"
}

ensure_box_and_libvirt() {
  ensure_box
  start_libvirt
  setup_pool
}
host_keys() {
  local h
  for h in "${HOSTS[@]}"; do ensure_host_key "$h"; done
}
seeds() {
  local h
  prepare_state_dir
  for h in "${HOSTS[@]}"; do write_seed "$h"; done
  say "  seeds in $STATE_DIR/seeds (QEMU fw_cfg opt/lbprov/seed)"
}
ssh_and_inventory() {
  write_ssh_files "$KEYS_DIR/hosts" 30
  write_inventory_copy
  say "  $KNOWN_HOSTS, $SSH_CONFIG, $INVENTORY_COPY"
}

cmd_down() {
  need_root
  [[ $MODE == local ]] || {
    cmd_down_public "$@"
    return
  }
  take_lock
  local t
  t=$(now)
  mkdir -p "$LOG_DIR"
  # Guests whose libvirtd is gone (killed, crashed) are still running: start it again to end them.
  if ! libvirt_up && [[ -n "$(guest_qemu_pids)" ]]; then step "libvirtd (to end the guests)" start_libvirt; fi
  step "guests" guests_down
  step "storage pool" remove_pool
  step "libvirtd and virtlogd (only if started by this lab)" stop_libvirt
  step "apt proxy" stop_pid acng 5
  step "artifact server" stop_pid http 5
  step "bridge" remove_bridge
  rm -rf "$STATE_DIR" "$KEYS_DIR/hosts"
  rmdir "$LIBVIRT_PID_DIR" /run/lbprov-vagrant 2>/dev/null || true
  # The ssh files name this lab's keys; a namespace lab writes its own at its up.
  if [[ -f $SSH_CONFIG ]] && grep -q '^# Written by lab/vagrant.sh' "$SSH_CONFIG"; then
    rm -f "$SSH_CONFIG" "$KNOWN_HOSTS"
  fi
  say "down in $(since "$t")"
}

# Exit status: 0 all up, 1 partly up, 3 down.
cmd_status() {
  [[ $MODE == local ]] || {
    cmd_status_public "$@"
    return
  }
  local t up=0 total=0 h pid state dom
  t=$(now)
  printf '%-9s %-16s %-8s %s\n' NAME ADDRESS PID STATE
  total=$((total + 1))
  if link_exists "$BRIDGE" && link_is_ours "$BRIDGE"; then
    printf '%-9s %-16s %-8s %s\n' bridge "$CONTROL_IP" - "up ($BRIDGE)"
    up=$((up + 1))
  else
    printf '%-9s %-16s %-8s %s\n' bridge "$CONTROL_IP" - down
  fi
  total=$((total + 1))
  if libvirt_up; then
    pid=$(PID_DIR=$LIBVIRT_PID_DIR live_pid libvirtd || echo -)
    printf '%-9s %-16s %-8s %s\n' libvirtd - "$pid" "running$([[ $pid == - ]] && echo ' (not ours)')"
    up=$((up + 1))
  else
    printf '%-9s %-16s %-8s %s\n' libvirtd - - down
  fi
  for h in "${HOSTS[@]}"; do
    total=$((total + 1))
    dom=$PREFIX$h
    state=$(libvirt_up && "${VIRSH[@]}" domstate "$dom" 2>/dev/null || echo "not defined")
    state=${state:-not defined}
    if [[ $state == running ]]; then
      if [[ -f $SSH_CONFIG ]] && ssh -F "$SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=5 "$h" true 2>/dev/null; then
        state="running, ssh ok"
        up=$((up + 1))
      else
        state="running, ssh FAILING"
      fi
    fi
    printf '%-9s %-16s %-8s %s\n' "$h" "${HOST_IP[$h]}" - "$state ($dom)"
  done
  for p in http acng; do
    total=$((total + 1))
    if pid=$(live_pid "$p"); then
      up=$((up + 1))
      local where="http://$CONTROL_IP:$HTTP_PORT/"
      [[ $p == acng ]] && where="http://$CONTROL_IP:$(proxy_port)/ (apt proxy)"
      printf '%-9s %-16s %-8s %s\n' "$p" "$CONTROL_IP" "$pid" "running $where"
    else
      printf '%-9s %-16s %-8s %s\n' "$p" "$CONTROL_IP" - down
    fi
  done
  memory_report
  say "status in $(since "$t"): $up of $total up"
  ((up == total)) && return 0
  ((up == 0)) && return 3
  return 1
}

# ---------------------------------------------------------------------------------------------
# public mode (users' machines: a public box, VirtualBox or libvirt, NAT for the guests' packages).
# Not testable on the machines this lab was written on (no box download): see vagrant/README.md.

cmd_up_public() {
  need_tools vagrant ssh ssh-keygen
  take_lock
  local t h
  t=$(now)
  mkdir -p "$VRUN" "$LOG_DIR"
  say "public mode: box $PUBLIC_BOX${LBPROV_VAGRANT_DIRECTOR_BOX:+ (directors: $LBPROV_VAGRANT_DIRECTOR_BOX)}, provider $PROVIDER"
  step "check for clashes (namespace lab, subnet $SUBNET_ADDR/$SUBNET_LEN)" check_clashes
  if [[ $PROVIDER == libvirt ]]; then step "libvirtd" start_libvirt; fi
  step "artifacts" fetch_artifacts
  if [[ ! -d $VAGRANT_DOTFILE_PATH ]]; then
    rm -f "$LAB_KEY" "$LAB_KEY.pub" "$KEYS_DIR/id_ed25519" "$KEYS_DIR/id_ed25519.pub"
    rm -rf "$KEYS_DIR/hosts"
  fi
  step "lab key" ensure_lab_key
  step "host keys (made here, installed by the provisioner)" host_keys
  step "ssh client files and inventory copy (lab NIC eth1)" ssh_and_inventory
  export LBPROV_VAGRANT_BOX=$PUBLIC_BOX
  step "guests (vagrant up --provider $PROVIDER, with provisioning)" vagrant_cmd up up --provider "$PROVIDER"
  # The provider made the host-only network and its .1 address: serve the tarballs there.
  ip -4 -o addr show | grep -q " $CONTROL_IP/" ||
    die "no $CONTROL_IP on this machine after vagrant up: the artifact server needs it (check the host-only network)"
  step "artifact server" start_http
  step "strict-host-key ssh to every guest" wait_ssh
  say "up in $(since "$t"); inventory for this lab: $INVENTORY_COPY (lab NIC eth1)"
}

cmd_down_public() {
  take_lock
  local t
  t=$(now)
  mkdir -p "$LOG_DIR" "$KEYS_DIR"
  export LBPROV_VAGRANT_BOX=$PUBLIC_BOX
  if [[ -d $VAGRANT_DOTFILE_PATH ]]; then
    [[ -f $KEYS_DIR/id_ed25519 ]] || : >"$KEYS_DIR/id_ed25519"
    step "guests (vagrant destroy)" vagrant_cmd destroy destroy -f
    rm -rf "$VAGRANT_DOTFILE_PATH"
  fi
  step "artifact server" stop_pid http 5
  if [[ $PROVIDER == libvirt ]]; then step "libvirtd and virtlogd (only if started by this lab)" stop_libvirt; fi
  rm -rf "$KEYS_DIR/hosts"
  if [[ -f $SSH_CONFIG ]] && grep -q '^# Written by lab/vagrant.sh' "$SSH_CONFIG"; then rm -f "$SSH_CONFIG" "$KNOWN_HOSTS"; fi
  say "down in $(since "$t")"
}

cmd_status_public() {
  local h up=0
  export LBPROV_VAGRANT_BOX=$PUBLIC_BOX
  mkdir -p "$KEYS_DIR"
  [[ -f $KEYS_DIR/id_ed25519 ]] || : >"$KEYS_DIR/id_ed25519"
  vagrant status 2>&1 | sed 's/^/vagrant-lab:   /' || true
  for h in "${HOSTS[@]}"; do
    if [[ -f $SSH_CONFIG ]] && ssh -F "$SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=5 "$h" true 2>/dev/null; then
      say "  $h ${HOST_IP[$h]}: ssh ok"
      up=$((up + 1))
    else
      say "  $h ${HOST_IP[$h]}: no ssh"
    fi
  done
  ((up == ${#HOSTS[@]})) && return 0
  ((up == 0)) && return 3
  return 1
}

# Prints the guests `up` would run ("name address role" per line, as lab/lab.sh topology): no root,
# nothing made. The Vagrant lab runs lab/topology's base hosts (or LBPROV_VAGRANT_HOSTS of them).
cmd_topology() {
  (($# == 0)) || die "usage: vagrant.sh topology (the Vagrant lab runs lab/topology's base hosts)"
  print_topology
}

cmd_box() {
  need_root
  bash "$VAGRANT_DIR/build-box.sh"
}

# Removes cached boxes other than the current one (files, Vagrant's copy, pool volumes).
cmd_clean() {
  need_root
  take_lock
  local t keep d name
  t=$(now)
  # The current box of each variant stays.
  keep=" $(LBPROV_VAGRANT_BOX_VARIANT=plain bash "$VAGRANT_DIR/build-box.sh" --print 2>/dev/null | cut -d' ' -f2 || true)"
  keep+=" $(LBPROV_VAGRANT_BOX_VARIANT=prebuilt bash "$VAGRANT_DIR/build-box.sh" --print 2>/dev/null | cut -d' ' -f2 || true) "
  for d in "$CACHE_DIR"/vagrant-box-*; do
    [[ -d $d && $keep != *" $d/lbprov-debian12.box "* ]] || continue
    name=lbprov/debian12-${d##*/vagrant-box-}
    (cd "$VAGRANT_HOME" && VAGRANT_CWD=$VAGRANT_HOME vagrant box remove --force --all "$name") >/dev/null 2>&1 || true
    rm -f "$CACHE_DIR"/libvirt-pool-*/"${name//\//-VAGRANTSLASH-}"_vagrant_box_image_*
    rm -rf "$d"
    say "  removed $d and its Vagrant and libvirt copies"
  done
  # Boxes Vagrant still holds whose cache dir is gone.
  for d in "$VAGRANT_HOME"/boxes/lbprov-VAGRANTSLASH-debian12-*; do
    [[ -d $d ]] || continue
    name=lbprov/${d##*/lbprov-VAGRANTSLASH-}
    [[ -d $CACHE_DIR/vagrant-box-${name#lbprov/debian12-} ]] && continue
    (cd "$VAGRANT_HOME" && VAGRANT_CWD=$VAGRANT_HOME vagrant box remove --force --all "$name") >/dev/null 2>&1 || true
    rm -f "$CACHE_DIR"/libvirt-pool-*/"${name//\//-VAGRANTSLASH-}"_vagrant_box_image_*
    say "  removed Vagrant's box $name (no cache dir left)"
  done
  say "clean in $(since "$t")"
}

main() {
  local cmd=${1:-} a args=()
  shift || true
  # `--vagrant` may come through lab/lab.sh's dispatch: it means this script, so drop it.
  for a in "$@"; do [[ $a == --vagrant ]] || args+=("$a"); done
  set -- "${args[@]+"${args[@]}"}"
  case $cmd in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  ssh) cmd_ssh "$@" ;;
  box) cmd_box "$@" ;;
  clean) cmd_clean "$@" ;;
  topology) cmd_topology "$@" ;;
  *) die "usage: vagrant.sh up | down | status | ssh <host> [command...] | box | clean | topology" ;;
  esac
}

main "$@"
