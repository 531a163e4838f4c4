#!/usr/bin/env bash
# Installs what the control side of the lab needs (lab/lab.sh, test/lab/run.sh) on Debian 12.
# Idempotent: does nothing when everything is there. Run as root; .ci/run calls it before `npm ci`.
set -euo pipefail

PACKAGES=(
  mmdebstrap          # builds the hosts' clean root filesystem
  debian-archive-keyring
  openssh-client      # ssh, ssh-keygen
  apt-cacher-ng       # the apt proxy the hosts install through (started by lab.sh, not as a service)
  python3             # http.server serves the source tarballs
  iproute2            # ip netns, bridge, veth
  dpkg-dev            # apt-get source
  util-linux          # unshare, nsenter, flock, pivot_root
  iptables            # iptables-legacy: the unicast test drops multicast VRRP in the directors' namespaces
  procps
  redis-server        # the Redis check's unit tests run it on 127.0.0.1 high ports (not as a service)
  redis-tools         # redis-cli, which those tests drive it with
  ca-certificates
)

t0=${EPOCHREALTIME/[.,]/}
elapsed() {
  local d=$((${EPOCHREALTIME/[.,]/} - t0))
  printf '%d.%03ds' $((d / 1000000)) $(((d % 1000000) / 1000))
}

[[ $EUID -eq 0 ]] || {
  echo "install-deps: must run as root" >&2
  exit 1
}

missing=()
for p in "${PACKAGES[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present ($(elapsed))"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
# apt-cacher-ng's postinst would start the system daemon on *:3142 (and redis-server's one on
# 127.0.0.1:6379). The lab runs its own instances and never depends on those; keep them from
# starting in the first place, but only if nobody has a policy-rc.d of their own.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from lbprov lab/install-deps.sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  made_policy=1
fi
cleanup() { if ((made_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done ($(elapsed))"
