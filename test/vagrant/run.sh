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
NET_PREFIX=${LBPROV_LAB_SUBNET:-192.168.56}
PREFIX=${LBPROV_VAGRANT_PREFIX:-lbprov-lab-}
CONTROL_IP=$NET_PREFIX.1
STATE_DIR=/run/lbprov-vagrant/${PREFIX%-}
PID_DIR=$RUN_DIR/vagrant/pids
if [[ $BRIDGE == lbprov-br0 ]]; then TEST_LOCK=/run/lbprov-lab.tests.lock; else TEST_LOCK=/run/lbprov-lab-$BRIDGE.tests.lock; fi

now() { printf '%s' "${EPOCHREALTIME/[.,]/}"; }
since() {
  local d=$(($(now) - $1))
  printf '%d.%03ds' $((d / 1000000)) $(((d % 1000000) / 1000))
}
say() { printf 'test-vagrant: %s\n' "$*"; }

[[ $EUID -eq 0 ]] || {
  say "must run as root (libvirt, bridge)"
  exit 1
}

# A caller that already holds the test lock (e.g. one that swaps the namespace lab for this one
# inside it) says so with LBPROV_LAB_TESTS_LOCK_HELD=1.
exec 7>"$TEST_LOCK"
if [[ ${LBPROV_LAB_TESTS_LOCK_HELD:-} == 1 ]]; then
  say "the caller holds $TEST_LOCK"
elif ! flock -n 7; then
  say "another lab test run holds $TEST_LOCK; waiting for it ..."
  flock -w 3600 7 || {
    say "gave up waiting for $TEST_LOCK"
    exit 1
  }
fi

T0=$(now)
mocha_rc=""
MOCHA_LOG=$(mktemp /tmp/lbprov-vagrant-mocha.XXXXXX)

start_time() { awk '$3 != "Z" {print $22}' "/proc/$1/stat" 2>/dev/null || true; }

# "pid starttime" of every process the lab started and recorded (libvirtd, virtlogd, artifact
# server, apt proxy), and of this lab's QEMU guests.
lab_processes() {
  local f pid start p
  for f in "$PID_DIR"/*.pid /run/lbprov-vagrant/pids/*.pid; do
    [[ -f $f ]] || continue
    read -r pid start <"$f" || continue
    printf '%s %s\n' "$pid" "$start"
  done
  for p in $(pgrep -f -- "-name guest=$PREFIX" 2>/dev/null || true); do
    printf '%s %s\n' "$p" "$(start_time "$p")"
  done
}

check_nothing_left() { # processes-before-down
  local problems=() pid start l d
  while read -r pid start; do
    [[ -n $pid ]] || continue
    if [[ -n $start && "$(start_time "$pid")" == "$start" ]]; then
      problems+=("process $pid still running: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)")
    fi
  done <<<"$1"
  if virsh -q -c qemu:///system uri >/dev/null 2>&1; then
    for d in $(virsh -q -c qemu:///system list --all --name 2>/dev/null); do
      [[ $d == "$PREFIX"* ]] && problems+=("libvirt domain $d still defined")
    done
    virsh -q -c qemu:///system pool-info "${PREFIX}pool" >/dev/null 2>&1 &&
      problems+=("libvirt storage pool ${PREFIX}pool still exists")
  fi
  for f in /var/cache/lbprov-lab/libvirt-pool-"${PREFIX%-}"/"$PREFIX"*; do
    [[ -e $f ]] && problems+=("guest disk $f still exists")
  done
  while read -r l; do
    problems+=("interface still exists: $l")
  done < <(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -Fx "$BRIDGE" || true)
  while read -r l; do
    problems+=("tap device still on the lab bridge: $l")
  done < <(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' || true)
  if ip -4 -o addr show | grep -q " $CONTROL_IP/"; then
    problems+=("control address $CONTROL_IP is still configured")
  fi
  if [[ -n "$(ss -Hltn "src $CONTROL_IP" 2>/dev/null)" ]]; then
    problems+=("something still listens on $CONTROL_IP")
  fi
  [[ -e $STATE_DIR ]] && problems+=("$STATE_DIR (seeds, consoles) still exists")
  if ((${#problems[@]})); then
    say "LEFTOVERS after lab down:"
    printf 'test-vagrant:   - %s\n' "${problems[@]}"
    return 1
  fi
  say "nothing left behind (no guest, volume, pool, tap, lab process, bridge, address or listener)"
}

finish() {
  local rc=$? procs t left=0
  trap - EXIT INT TERM
  [[ -n $mocha_rc ]] && rc=$mocha_rc
  if [[ -n ${SAMPLER:-} ]]; then kill "$SAMPLER" 2>/dev/null || true; fi
  procs=$(lab_processes)
  t=$(now)
  say "bringing the Vagrant lab down"
  if ! bash "$LAB" down 7>&-; then
    say "lab down FAILED"
    left=1
  fi
  check_nothing_left "$procs" || left=1
  say "down and check in $(since "$t")"
  if [[ -n $mocha_rc ]]; then
    local passed failed pending
    passed=$(grep -Eo '^ +[0-9]+ passing' "$MOCHA_LOG" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
    failed=$(grep -Eo '^ +[0-9]+ failing' "$MOCHA_LOG" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
    pending=$(grep -Eo '^ +[0-9]+ pending' "$MOCHA_LOG" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
    printf 'test-vagrant: %s passed, %s failed, %s skipped\n' "$passed" "$failed" "$pending"
  fi
  rm -f "$MOCHA_LOG"
  if ((left)) && ((rc == 0)); then rc=1; fi
  say "finished in $(since "$T0") with exit code $rc"
  exit "$rc"
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

say "running: mocha --timeout 6000000 'test/vagrant/**/*.test.ts' $*"
set +e
npx mocha --timeout 6000000 'test/vagrant/**/*.test.ts' "$@" 7>&- 2>&1 | tee "$MOCHA_LOG"
mocha_rc=${PIPESTATUS[0]}
set -e
say "mocha exited $mocha_rc"
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
read -r peak used_peak <"$PEAK_FILE" || true
say "peak memory during the tests: guests (QEMU RSS) ${peak:-?} MiB; whole machine ${used_peak:-?} MiB used"
rm -f "$PEAK_FILE"
