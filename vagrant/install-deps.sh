#!/usr/bin/env bash
# Installs what the Vagrant lab (lab/vagrant.sh, test/vagrant/run.sh) needs on the control machine
# (Debian 12): Vagrant with the libvirt provider, libvirt, QEMU, and the box build tools.
# Idempotent: does nothing when everything is there. Run as root.
#
# Nothing here starts a daemon: lab/vagrant.sh starts libvirtd/virtlogd itself (and stops only what
# it started). libvirt's packaged "default" network (NAT to the outside, 192.168.122.0/24) is kept
# from autostarting: the lab must never give a guest a route out.
set -euo pipefail

PACKAGES=(
  vagrant                 # 2.3.4 in Debian 12
  vagrant-libvirt         # 0.11.2: the libvirt provider
  libvirt-daemon-system   # libvirtd, virtlogd (started by lab/vagrant.sh, not as services)
  libvirt-daemon-driver-qemu
  libvirt-clients         # virsh
  qemu-system-x86         # QEMU (software emulation: TCG)
  qemu-utils              # qemu-img: the box's disk image
  mmdebstrap              # the box's root filesystem
  debian-archive-keyring
  e2fsprogs               # mkfs.ext4 -d: an ext4 image from a directory, without mounting
  openssh-client          # ssh, ssh-keygen
  apt-cacher-ng           # the apt proxy on the control address (also used by the namespace lab)
  python3                 # http.server serves the source tarballs
  dpkg-dev                # apt-get source
  iproute2
  util-linux
  procps
  ca-certificates
)

t0=${EPOCHREALTIME/[.,]/}
elapsed() {
  local d=$((${EPOCHREALTIME/[.,]/} - t0))
  printf '%d.%03ds' $((d / 1000000)) $(((d % 1000000) / 1000))
}
say() { printf 'vagrant-install-deps: %s\n' "$*"; }

[[ $EUID -eq 0 ]] || {
  say "must run as root" >&2
  exit 1
}

# libvirt's packaged NAT network must not autostart when lab/vagrant.sh starts libvirtd.
disable_default_network() {
  local link=/etc/libvirt/qemu/networks/autostart/default.xml
  if [[ -L $link || -e $link ]]; then
    rm -f "$link"
    say "disabled autostart of libvirt's NAT network 'default' (removed $link)"
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  disable_default_network
  say "all ${#PACKAGES[@]} packages present ($(elapsed))"
  exit 0
fi

say "installing ${missing[*]}"
# Package scripts would start libvirtd, virtlogd and apt-cacher-ng as system services. The lab
# starts its own instances; keep the packages from starting theirs, unless someone else already has
# a policy-rc.d.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from lbprov vagrant/install-deps.sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  made_policy=1
fi
cleanup() { if ((made_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
disable_default_network
say "done ($(elapsed))"
