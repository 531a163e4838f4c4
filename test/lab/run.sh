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
CONTROL_IP=192.168.56.1

now() { printf '%s' "${EPOCHREALTIME/[.,]/}"; }
since() {
  local d=$(($(now) - $1))
  printf '%d.%03ds' $((d / 1000000)) $(((d % 1000000) / 1000))
}
say() { printf 'test-lab: %s\n' "$*"; }

[[ $EUID -eq 0 ]] || {
  say "must run as root (the lab makes namespaces, a bridge and mounts)"
  exit 1
}

# One lab per machine: a second run would tear down the first one's lab under its tests.
# LBPROV_LAB_TESTS_LOCK_HELD=1: the caller already holds the lock (e.g. `flock -o`).
exec 7>/run/lbprov-lab.tests.lock
if [[ ${LBPROV_LAB_TESTS_LOCK_HELD:-} != 1 ]] && ! flock -n 7; then
  say "another test/lab/run.sh is running; waiting for it ..."
  flock -w 3600 7 || {
    say "gave up waiting for /run/lbprov-lab.tests.lock"
    exit 1
  }
fi

T0=$(now)
mocha_rc=""
MOCHA_LOG=$(mktemp /tmp/lbprov-lab-mocha.XXXXXX)

# Start time of a live process (a zombie waiting for this machine's PID 1 to reap it is gone).
start_time() { awk '$3 != "Z" {print $22}' "/proc/$1/stat" 2>/dev/null || true; }

# "pid starttime" of every process the lab runs: recorded pids and every process in a lab netns.
lab_processes() {
  local f pid start p ns
  for f in "$RUN_DIR"/pids/*.pid; do
    [[ -f $f ]] || continue
    read -r pid start <"$f" || continue
    printf '%s %s\n' "$pid" "$start"
  done
  while read -r ns _; do
    [[ $ns == "$NS_PREFIX"* ]] || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      printf '%s %s\n' "$p" "$(start_time "$p")"
    done
  done < <(ip netns list 2>/dev/null)
}

check_nothing_left() { # processes-before-down
  local problems=() pid start ns l f
  while read -r pid start; do
    [[ -n $pid ]] || continue
    if [[ -n $start && "$(start_time "$pid")" == "$start" ]]; then
      problems+=("process $pid still running: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)")
    fi
  done <<<"$1"
  while read -r ns _; do
    [[ $ns == "$NS_PREFIX"* ]] && problems+=("network namespace $ns still exists")
  done < <(ip netns list 2>/dev/null)
  while read -r l; do
    problems+=("interface still exists: $l")
  done < <(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^($BRIDGE|$VETH_PREFIX.*)\$" || true)
  if ip -4 -o addr show | grep -q " $CONTROL_IP/"; then
    problems+=("control address $CONTROL_IP is still configured")
  fi
  # Mounts in ANY mount namespace (a leaked host would keep its own) that use the lab's run dir or
  # its root filesystems. Only those: other tools (the Vagrant lab) keep their own things in the
  # same cache folder.
  local mounts
  mounts=$(for f in /proc/[0-9]*/mountinfo; do
    grep -sF -e "$RUN_DIR" -e "$CACHE_DIR/rootfs-" -e "$CACHE_DIR/artifacts" "$f" |
      awk -v pid="${f//[^0-9]/}" '{print "mount " $5 " (seen by pid " pid ")"}'
  done | sort -u -k2,2)
  while read -r l; do
    [[ -n $l ]] && problems+=("$l")
  done <<<"$mounts"
  if [[ -n "$(ss -Hltn "src $CONTROL_IP" 2>/dev/null)" ]]; then
    problems+=("something still listens on $CONTROL_IP")
  fi
  if ((${#problems[@]})); then
    say "LEFTOVERS after lab down:"
    printf 'test-lab:   - %s\n' "${problems[@]}"
    return 1
  fi
  say "nothing left behind (no lab process, netns, interface, mount or listener)"
}

finish() {
  local rc=$? procs t left=0
  trap - EXIT INT TERM
  [[ -n $mocha_rc ]] && rc=$mocha_rc
  procs=$(lab_processes)
  t=$(now)
  say "bringing the lab down"
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
    rm -f "$MOCHA_LOG"
    printf 'test-lab: %s passed, %s failed, %s skipped\n' "$passed" "$failed" "$pending"
  fi
  rm -f "$MOCHA_LOG"
  if ((left)) && ((rc == 0)); then rc=1; fi
  say "finished in $(since "$T0") with exit code $rc"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Tests start from fresh hosts: a lab left up (and used) by someone is replaced.
bash "$LAB" down 7>&-
bash "$LAB" up 7>&-

# --exit: a handle a test forgot to close must not keep CI waiting until its time limit.
say "running: mocha --exit --timeout 900000 'test/lab/**/*.test.ts' $*"
set +e
npx mocha --exit --timeout 900000 'test/lab/**/*.test.ts' "$@" 7>&- 2>&1 | tee "$MOCHA_LOG"
mocha_rc=${PIPESTATUS[0]}
set -e
say "mocha exited $mocha_rc"
