#!/usr/bin/env bash
# Vagrant lab end-to-end runner: a fresh Vagrant lab up (lab/vagrant.sh), the tests in
# test/vagrant/**/*.test.ts, the lab down (always, even on failure or Ctrl-C), then a check that
# nothing is left behind (guests, volumes, storage pool, tap devices, QEMU/libvirt processes it
# started, bridge, control address, listeners). Extra arguments go to mocha.
# Exit code: mocha's; or 1 if mocha passed but the lab could not be brought up, something was left
# behind, or `down` failed.
#
# The namespace lab uses the same bridge and addresses: this run waits for the same test lock
# (/run/lbprov-lab.tests.lock) and refuses (through lab/vagrant.sh up) while namespace hosts are up.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO_DIR"
LAB=$REPO_DIR/lab/vagrant.sh
RUN_DIR=${LBPROV_LAB_RUN_DIR:-$REPO_DIR/lab/.run}
BRIDGE=${LBPROV_LAB_BRIDGE:-lbprov-br0}
PREFIX=${LBPROV_VAGRANT_PREFIX:-lbprov-lab-}
STATE_DIR=/run/lbprov-vagrant/${PREFIX%-}
PID_DIR=$RUN_DIR/vagrant/pids
if [[ $BRIDGE == lbprov-br0 ]]; then TEST_LOCK=/run/lbprov-lab.tests.lock; else TEST_LOCK=/run/lbprov-lab-$BRIDGE.tests.lock; fi
SAY_TAG=test-vagrant
# shellcheck source=lab/common.sh
source "$REPO_DIR/lab/common.sh"
# NET_PREFIX, CONTROL_IP: lab/topology's, on LBPROV_LAB_SUBNET when it is set.
load_topology "${LBPROV_LAB_SUBNET:-}"

[[ $EUID -eq 0 ]] || {
  say "must run as root (libvirt, bridge)"
  exit 1
}

# A caller that already holds the test lock (e.g. one that swaps the namespace lab for this one
# inside it) says so with LBPROV_LAB_TESTS_LOCK_HELD=1.
take_test_lock "$TEST_LOCK" "another lab test run holds $TEST_LOCK; waiting for it ..." "the caller holds $TEST_LOCK"

T0=$(now)
mocha_rc=""
MOCHA_LOG=$(mktemp /tmp/lbprov-vagrant-mocha.XXXXXX)

# "pid starttime" of every process the lab started and recorded (libvirtd, virtlogd, artifact
# server, apt proxy), and of this lab's QEMU guests.
lab_processes() {
  local p
  recorded_processes "$PID_DIR"/*.pid /run/lbprov-vagrant/pids/*.pid
  for p in $(pgrep -f -- "-name guest=$PREFIX" 2>/dev/null || true); do
    printf '%s %s\n' "$p" "$(proc_start "$p")"
  done
}

check_nothing_left() { # processes-before-down
  local problems=() l d f
  still_running "$1" 120
  if virsh -q -c qemu:///system uri >/dev/null 2>&1; then
    for d in $(virsh -q -c qemu:///system list --all --name 2>/dev/null); do
      [[ $d == "$PREFIX"* ]] && problem "libvirt domain $d still defined"
    done
    virsh -q -c qemu:///system pool-info "${PREFIX}pool" >/dev/null 2>&1 &&
      problem "libvirt storage pool ${PREFIX}pool still exists"
  fi
  for f in /var/cache/lbprov-lab/libvirt-pool-"${PREFIX%-}"/"$PREFIX"*; do
    [[ -e $f ]] && problem "guest disk $f still exists"
  done
  while read -r l; do
    problem "interface still exists: $l"
  done < <(link_names | grep -Fx "$BRIDGE" || true)
  while read -r l; do
    problem "tap device still on the lab bridge: $l"
  done < <(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' || true)
  control_address_left
  listener_left
  [[ -e $STATE_DIR ]] && problem "$STATE_DIR (seeds, consoles) still exists"
  report_leftovers "no guest, volume, pool, tap, lab process, bridge, address or listener"
}

finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n ${SAMPLER:-} ]]; then kill "$SAMPLER" 2>/dev/null || true; fi
  end_test_run "$rc" "the Vagrant lab"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z ${LBPROV_BIN:-} && ! -f $REPO_DIR/dist/cli/main.js ]]; then
  say "lbprov is not built (dist/ missing): run 'npm run build' first"
  exit 1
fi

# Tests start from fresh guests: a lab left up (and used) is replaced.
t=$(now)
bash "$LAB" down 7>&-
bash "$LAB" up 7>&-
say "lab up (including any box build) in $(since "$t")"

# Peak memory of the guests (QEMU RSS, summed) and of the machine while the tests run.
PEAK_FILE=$(mktemp /tmp/lbprov-vagrant-peak.XXXXXX)
(
  exec 7>&-
  peak=0 used_peak=0
  while sleep 5; do
    total=0
    for p in $(pgrep -f -- "-name guest=$PREFIX" 2>/dev/null || true); do
      kb=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
      total=$((total + ${kb:-0}))
    done
    used=$(free -k | awk '/^Mem:/ {print $3}')
    ((total > peak)) && peak=$total
    ((used > used_peak)) && used_peak=$used
    printf '%s %s\n' "$((peak / 1024))" "$((used_peak / 1024))" >"$PEAK_FILE"
  done
) &
SAMPLER=$!

run_mocha --timeout 6000000 -- 'test/vagrant/**/*.test.ts' "$@"
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
read -r peak used_peak <"$PEAK_FILE" || true
say "peak memory during the tests: guests (QEMU RSS) ${peak:-?} MiB; whole machine ${used_peak:-?} MiB used"
rm -f "$PEAK_FILE"
