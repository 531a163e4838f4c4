#!/usr/bin/env bash
# Runs as PID 1 of a fresh PID namespace, inside the host's own network, mount, UTS and IPC
# namespaces (lab.sh starts it through nsenter + unshare). It assembles the host's root filesystem
# and then becomes tini, which supervises the host's sshd. Every mount made here lives in the
# host's private mount namespace, so it vanishes with the host's last process: `down` has no
# mount to undo in the root namespace.
set -euo pipefail
name=$1 lower=$2 hostdir=$3
root="$hostdir/root"

mount -t overlay overlay -o "lowerdir=$lower,upperdir=$hostdir/upper,workdir=$hostdir/work" "$root"
hostname "$name"

mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
# /proc/sys is global to the machine except net/, which is per network namespace: the host may
# change its own ip_forward/arp_ignore/arp_announce, but nothing that would leak to the machine.
mount --bind "$root/proc/sys" "$root/proc/sys"
mount --bind "$root/proc/sys/net" "$root/proc/sys/net"
mount -o remount,bind,ro "$root/proc/sys"
if [[ -e "$root/proc/sysrq-trigger" ]]; then
  mount --bind "$root/proc/sysrq-trigger" "$root/proc/sysrq-trigger"
  mount -o remount,bind,ro "$root/proc/sysrq-trigger"
fi
# sysfs mounted from inside the network namespace shows this host's interfaces only.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"

# A private /dev: just the usual nodes and a private devpts, so ssh can allocate terminals.
mount -t tmpfs -o nosuid,mode=0755,size=1m tmpfs "$root/dev"
mknod -m 0666 "$root/dev/null" c 1 3
mknod -m 0666 "$root/dev/zero" c 1 5
mknod -m 0666 "$root/dev/full" c 1 7
mknod -m 0666 "$root/dev/random" c 1 8
mknod -m 0666 "$root/dev/urandom" c 1 9
mknod -m 0666 "$root/dev/tty" c 5 0
mkdir -m 0755 "$root/dev/pts"
mkdir -m 1777 "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m tmpfs "$root/dev/shm"

# /run starts empty on every boot, as on a real host (stale pid files would fool init scripts).
mount -t tmpfs -o nosuid,nodev,mode=0755,size=64m tmpfs "$root/run"
mkdir -m 0755 "$root/run/sshd"
mkdir -m 1777 "$root/run/lock"

# pivot_root rather than chroot: the host then cannot reach the control machine's filesystem at all.
cd "$root"
pivot_root . .
umount -l .
exec chroot . /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  /usr/bin/tini -- /usr/sbin/sshd -D -e
