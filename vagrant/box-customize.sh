#!/usr/bin/env bash
# mmdebstrap customize hook for the Vagrant lab's local Debian 12 box (vagrant/build-box.sh).
# Everything guest-specific (hostname, SSH host key, root's authorized key, the lab address, the
# apt proxy, /etc/hosts) is NOT here: each guest reads it at boot from its own seed, which
# lab/vagrant.sh writes on the control side and hands to QEMU as a fw_cfg blob (no network involved).
# Changing this file changes the box's cache key, so the box is rebuilt.
set -euo pipefail
root=$1

# No shared identity: every guest gets its host key from its seed, and a machine id at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

cat >"$root/etc/fstab" <<'FSTAB'
# The box's disk is one ext4 filesystem without a partition table (the kernel is booted directly).
/dev/vda  /  ext4  defaults,noatime  0  0
FSTAB

mkdir -p "$root/etc/ssh/sshd_config.d"
cat >"$root/etc/ssh/sshd_config.d/lbprov-lab.conf" <<'CONF'
# lbprov Vagrant lab: root logs in with the lab key only; the host key comes from the seed.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
HostKey /etc/ssh/ssh_host_ed25519_key
# Guests have no DNS: reverse lookups would only add delay.
UseDNS no
PrintMotd no
# lbprov and the tests open many connections at once.
MaxStartups 100:30:200
MaxSessions 50
CONF

# The mirror behind the apt proxy may serve an archive snapshot whose Release files are past their
# Valid-Until; translations are never read and only slow `apt-get update` down.
cat >"$root/etc/apt/apt.conf.d/90lbprov-lab" <<'CONF'
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
CONF

# The seed: a tar archive the control side passes to QEMU with
#   -fw_cfg name=opt/lbprov/seed,file=<run dir>/seeds/<host>.tar
# It holds /etc/hostname, /etc/hosts, the host's SSH host key pair, root's authorized_keys, the
# systemd-networkd file with the guest's static lab address and the apt proxy setting.
cat >"$root/usr/local/sbin/lbprov-seed" <<'SEED'
#!/bin/sh
# Applies this guest's lbprov lab seed (see /etc/systemd/system/lbprov-seed.service).
set -eu
blob=/sys/firmware/qemu_fw_cfg/by_name/opt/lbprov/seed/raw
modprobe qemu_fw_cfg 2>/dev/null || true
if [ ! -r "$blob" ]; then
  echo "lbprov-seed: no seed at $blob: this guest has no host key, no address and no authorized key" >&2
  exit 1
fi
tmp=$(mktemp /run/lbprov-seed.XXXXXX)
cat "$blob" >"$tmp"
tar -x -f "$tmp" -C / --no-overwrite-dir --numeric-owner
rm -f "$tmp"
chmod 0600 /etc/ssh/ssh_host_ed25519_key
hostname "$(cat /etc/hostname)"
echo "lbprov-seed: applied for $(cat /etc/hostname)"
SEED
chmod 0755 "$root/usr/local/sbin/lbprov-seed"
cat >"$root/etc/systemd/system/lbprov-seed.service" <<'UNIT'
[Unit]
Description=lbprov lab seed (host key, address, authorized key) from QEMU fw_cfg
DefaultDependencies=no
After=local-fs.target systemd-remount-fs.service
Before=sysinit.target network-pre.target systemd-networkd.service ssh.service systemd-hostnamed.service
Wants=network-pre.target
ConditionVirtualization=vm

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/lbprov-seed

[Install]
WantedBy=sysinit.target
UNIT

chroot "$root" systemctl enable lbprov-seed.service systemd-networkd.service
# The static address is up as soon as networkd has set it; nothing here waits for "online".
chroot "$root" systemctl mask systemd-networkd-wait-online.service
# Background jobs that would compete for the emulated CPU and for the dpkg lock during lbprov's
# package step.
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  fstrim.timer e2scrub_reap.service 2>/dev/null || true
# No consoles to log in on (root has no password): no getty on the serial port or a VGA tty.
chroot "$root" systemctl mask getty.target serial-getty@ttyS0.service getty@tty1.service

# A small initramfs with just what finds the root filesystem (the box always boots as a QEMU guest
# with a virtio disk): less to decompress and fewer modules for udev to probe, under emulation.
printf 'MODULES=list\n' >"$root/etc/initramfs-tools/conf.d/lbprov-lab.conf"
printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic >>"$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all

# Journal in memory: less emulated disk I/O.
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n' >"$root/etc/systemd/journald.conf.d/lbprov-lab.conf"
install -d -m 0700 "$root/root/.ssh"
