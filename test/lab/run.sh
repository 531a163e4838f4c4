#!/usr/bin/env bash
# Lab test runner (`npm run test:lab`): a fresh lab up, the lab tests, the lab down (always, even
# on failure or Ctrl-C), then a check that the lab left nothing behind. Extra arguments go to mocha.
# Exit code: mocha's; or 1 if mocha passed but something was left behind (or `down` failed).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO_DIR"
LAB=$REPO_DIR/lab/lab.sh
RUN_DIR=${LBPROV_LAB_RUN_DIR:-$REPO_DIR/lab/.run}
CACHE_DIR=${LBPROV_LAB_CACHE_DIR:-/var/cache/lbprov-lab}
# Must match lab/lab.sh.
BRIDGE=lbprov-br0
NS_PREFIX=lbprov-
VETH_PREFIX=lbp-
SAY_TAG=test-lab
# shellcheck source=lab/common.sh
source "$REPO_DIR/lab/common.sh"
# The control address (CONTROL_IP) and the subnet, as lab/lab.sh reads them: lab/topology.
load_topology

[[ $EUID -eq 0 ]] || {
  say "must run as root (the lab makes namespaces, a bridge and mounts)"
  exit 1
}

take_test_lock /run/lbprov-lab.tests.lock "another test/lab/run.sh is running; waiting for it ..."

T0=$(now)
mocha_rc=""
MOCHA_LOG=$(mktemp /tmp/lbprov-lab-mocha.XXXXXX)

# "pid starttime" of every process the lab runs: recorded pids and every process in a lab netns.
lab_processes() {
  local p ns
  recorded_processes "$RUN_DIR"/pids/*.pid
  while read -r ns _; do
    [[ $ns == "$NS_PREFIX"* ]] || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      printf '%s %s\n' "$p" "$(proc_start "$p")"
    done
  done < <(ip netns list 2>/dev/null)
}

check_nothing_left() { # processes-before-down
  local problems=() ns l f
  still_running "$1"
  while read -r ns _; do
    [[ $ns == "$NS_PREFIX"* ]] && problem "network namespace $ns still exists"
  done < <(ip netns list 2>/dev/null)
  while read -r l; do
    problem "interface still exists: $l"
  done < <(link_names | grep -E "^($BRIDGE|$VETH_PREFIX.*)\$" || true)
  control_address_left
  # Mounts in ANY mount namespace (a leaked host would keep its own) that use the lab's run dir or
  # its root filesystems. Only those: other tools (the Vagrant lab) keep their own things in the
  # same cache folder.
  local mounts
  mounts=$(for f in /proc/[0-9]*/mountinfo; do
    grep -sF -e "$RUN_DIR" -e "$CACHE_DIR/rootfs-" -e "$CACHE_DIR/artifacts" "$f" |
      awk -v pid="${f//[^0-9]/}" '{print "mount " $5 " (seen by pid " pid ")"}'
  done | sort -u -k2,2)
  while read -r l; do
    [[ -n $l ]] && problem "$l"
  done <<<"$mounts"
  listener_left
  report_leftovers "no lab process, netns, interface, mount or listener"
}

finish() {
  local rc=$?
  trap - EXIT INT TERM
  end_test_run "$rc" "the lab"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Tests start from fresh hosts: a lab left up (and used) by someone is replaced.
bash "$LAB" down 7>&-
bash "$LAB" up 7>&-

# --exit: a handle a test forgot to close must not keep CI waiting until its time limit.
run_mocha --exit --timeout 900000 -- 'test/lab/**/*.test.ts' "$@"
