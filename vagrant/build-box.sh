#!/usr/bin/env bash
# Builds the Vagrant lab's local Debian 12 box for the libvirt provider, with no download but
# Debian's own packages: mmdebstrap root filesystem (systemd, linux-image-amd64, openssh-server,
# redis, qemu-guest-agent, ...) -> ext4 image (mkfs.ext4 -d, nothing mounted) -> qcow2 -> .box
# (box.img + metadata.json + the kernel and initrd, booted directly: no bootloader in the image).
# apt's package lists are kept in the box: `apt-get update` costs minutes under emulation.
#
# The box is cached under $CACHE_DIR/vagrant-box-<hash>/, keyed by a hash of its inputs (this
# script, vagrant/box-customize.sh, the package list and the mirrors): a change to any of them builds
# a new box; an unchanged one costs nothing. Prints "BOX_NAME BOX_FILE" on its last line.
#
#   bash vagrant/build-box.sh            # build if needed
#   bash vagrant/build-box.sh --print    # only print name and path (exit 1 if not built)
set -euo pipefail

VAGRANT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GOLDEN_DIR=$(cd "$VAGRANT_DIR/../test/golden" && pwd)
CACHE_DIR=${LBPROV_LAB_CACHE_DIR:-/var/cache/lbprov-lab}
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
DISK_GB=8
PACKAGES=(systemd systemd-sysv udev dbus linux-image-amd64 openssh-server qemu-guest-agent
  iproute2 redis-server redis-tools procps kmod curl ca-certificates sudo tar gzip xz-utils patch
  util-linux less)

now() { printf '%s' "${EPOCHREALTIME/[.,]/}"; }
since() {
  local d=$(($(now) - $1))
  printf '%d.%03ds' $((d / 1000000)) $(((d % 1000000) / 1000))
}
say() { printf 'build-box: %s\n' "$*" >&2; }
die() {
  printf 'build-box: ERROR: %s\n' "$*" >&2
  exit 1
}

# plain: what lbprov expects to find on a fresh host. prebuilt (LBPROV_VAGRANT_BOX_VARIANT=prebuilt):
# also keepalived's build dependencies and the how-to's keepalived 1.2.0 + ipvsadm 1.26 (what
# inventory/lab.yaml pins) already built from the lab's tarballs (vagrant/box-prebuild.sh), plus
# keepalived 2.2.7 in a prefix of its own for the upgrade test, for a CI that cannot afford
# compiling keepalived under emulation. Each entry: tarball and its build plan's golden file.
VARIANT=${LBPROV_VAGRANT_BOX_VARIANT:-plain}
PREBUILT=(keepalived-1.2.0.tar.gz build-keepalived-1.2.0.txt ipvsadm-1.26.tar.gz build-ipvsadm-1.26.txt
  keepalived_2.2.7.orig.tar.gz build-keepalived-2.2.7-own-prefix.txt)
prebuilt_part() { # 0: tarballs, 1: golden files
  local i
  for ((i = $1; i < ${#PREBUILT[@]}; i += 2)); do printf '%s\n' "${PREBUILT[i]}"; done
}
ARTIFACTS_DIR=$CACHE_DIR/artifacts
case $VARIANT in
plain) NAME_PART=debian12 ;;
prebuilt)
  NAME_PART=debian12-prebuilt
  PACKAGES+=(gcc make libc6-dev linux-libc-dev pkg-config libssl-dev libnl-3-dev libnl-genl-3-dev libpopt-dev patch)
  ;;
*) die "LBPROV_VAGRANT_BOX_VARIANT must be plain or prebuilt, not '$VARIANT'" ;;
esac

box_key() {
  {
    printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "$DISK_GB" "$VARIANT" "${PACKAGES[@]}"
    cat "$VAGRANT_DIR/build-box.sh" "$VAGRANT_DIR/box-customize.sh"
    if [[ $VARIANT == prebuilt ]]; then
      cat "$VAGRANT_DIR/box-prebuild.sh"
      prebuilt_part 1 | (cd "$GOLDEN_DIR" && xargs cat)
      prebuilt_part 0 | (cd "$ARTIFACTS_DIR" 2>/dev/null && xargs sha256sum 2>/dev/null | cut -d' ' -f1) || true
    fi
  } | sha256sum | cut -c1-12
}
KEY=$(box_key)
BOX_NAME=lbprov/$NAME_PART-$KEY
BOX_DIR=$CACHE_DIR/vagrant-box-$KEY
[[ $VARIANT == plain ]] || BOX_DIR=$CACHE_DIR/vagrant-box-$VARIANT-$KEY
BOX_FILE=$BOX_DIR/lbprov-debian12.box

if [[ ${1:-} == --print ]]; then
  printf '%s %s\n' "$BOX_NAME" "$BOX_FILE"
  [[ -f $BOX_FILE ]]
  exit
fi

[[ $EUID -eq 0 ]] || die "must run as root (mmdebstrap --mode=root)"
if [[ -f $BOX_FILE ]]; then
  say "box cached: $BOX_FILE ($(du -h "$BOX_FILE" | cut -f1))"
  printf '%s %s\n' "$BOX_NAME" "$BOX_FILE"
  exit 0
fi

mkdir -p "$CACHE_DIR"
exec 8>"$CACHE_DIR/.vagrant-box.lock"
flock -w 1800 8 || die "timed out waiting for another box build ($CACHE_DIR/.vagrant-box.lock)"
if [[ -f $BOX_FILE ]]; then
  say "box cached (built by another run meanwhile): $BOX_FILE"
  printf '%s %s\n' "$BOX_NAME" "$BOX_FILE"
  exit 0
fi
if [[ $VARIANT == prebuilt ]]; then
  for f in $(prebuilt_part 0); do
    [[ -f $ARTIFACTS_DIR/$f ]] || die "the prebuilt box needs $ARTIFACTS_DIR/$f (lab/vagrant.sh up fetches it first)"
  done
fi
for tool in mmdebstrap mkfs.ext4 qemu-img; do
  command -v "$tool" >/dev/null || die "$tool is missing: run 'bash vagrant/install-deps.sh'"
done

T0=$(now)
work=$BOX_DIR.building
rm -rf "$work"
mkdir -p "$work/box"
trap 'rm -rf "$work"' EXIT
log=$BOX_DIR.mmdebstrap.log

# apt gives mmdebstrap's hooks their status pipe on the lowest free descriptor, and dash cannot
# redirect one above 9 ("Bad fd number"): descriptors left open by whatever started this script
# (an agent's shell, a CI runner) would push it there, so mmdebstrap starts without them.
without_inherited_fds() (
  for fd in $(ls "/proc/$BASHPID/fd"); do
    if ((fd > 2)); then eval "exec $fd>&-"; fi
  done
  exec "$@"
)

t=$(now)
say "root filesystem: mmdebstrap $SUITE (${#PACKAGES[@]} packages) ..."
if ! without_inherited_fds nice -n 19 mmdebstrap --variant=minbase --mode=root \
  --include="$(
    IFS=,
    printf '%s' "${PACKAGES[*]}"
  )" \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --skip=cleanup/apt/lists \
  --customize-hook="bash '$VAGRANT_DIR/box-customize.sh' \"\$1\"" \
  --customize-hook="if [ '$VARIANT' = prebuilt ]; then bash '$VAGRANT_DIR/box-prebuild.sh' \"\$1\" '$ARTIFACTS_DIR' '$GOLDEN_DIR' ${PREBUILT[*]}; fi" \
  "$SUITE" "$work/rootfs" \
  "deb $MIRROR $SUITE main" \
  "deb $MIRROR $SUITE-updates main" \
  "deb $SECURITY_MIRROR $SUITE-security main" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  die "mmdebstrap failed (log: $log)"
fi
say "root filesystem: done in $(since "$t") ($(du -sh "$work/rootfs" | cut -f1))"

t=$(now)
say "kernel and initrd ..."
kernel=$(find "$work/rootfs/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
initrd=$(find "$work/rootfs/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n 1)
[[ -n $kernel && -n $initrd ]] || die "no kernel or initrd in the root filesystem's /boot"
cp "$kernel" "$work/box/vmlinuz"
cp "$initrd" "$work/box/initrd.img"
say "kernel and initrd: $(basename "$kernel") in $(since "$t")"

t=$(now)
say "disk image: ext4 (${DISK_GB} GiB, sparse) from the root filesystem, then qcow2 ..."
nice -n 19 mkfs.ext4 -q -L lbprov-root -d "$work/rootfs" -E root_owner=0:0 "$work/root.raw" "${DISK_GB}G"
rm -rf "$work/rootfs"
nice -n 19 qemu-img convert -f raw -O qcow2 "$work/root.raw" "$work/box/box.img"
rm -f "$work/root.raw"
say "disk image: done in $(since "$t") ($(du -h "$work/box/box.img" | cut -f1) qcow2)"

printf '{"provider": "libvirt", "format": "qcow2", "virtual_size": %d}\n' "$DISK_GB" >"$work/box/metadata.json"
cat >"$work/box/Vagrantfile" <<'VF'
# Box-level defaults of the lbprov lab's local Debian 12 box (vagrant/build-box.sh): the kernel and
# initrd ship in the box and are booted directly; the guest names its NIC eth0.
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |libvirt|
    libvirt.kernel = File.join(File.dirname(__FILE__), "vmlinuz")
    libvirt.initrd = File.join(File.dirname(__FILE__), "initrd.img")
    libvirt.cmd_line = "root=/dev/vda rw console=ttyS0,115200 net.ifnames=0 biosdevname=0 quiet"
  end
end
VF
t=$(now)
say "box archive ..."
tar -C "$work/box" -cf "$work/lbprov-debian12.box" metadata.json Vagrantfile vmlinuz initrd.img box.img
rm -rf "$work/box"
rm -f "$log"
trap - EXIT
# The rename is the commit: a half-built box is never mistaken for a cached one.
rm -rf "$BOX_DIR"
mv "$work" "$BOX_DIR"
say "box archive: done in $(since "$t")"
say "box built in $(since "$T0"): $BOX_FILE ($(du -h "$BOX_FILE" | cut -f1))"
printf '%s %s\n' "$BOX_NAME" "$BOX_FILE"
