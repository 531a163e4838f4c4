#!/usr/bin/env bash
# mmdebstrap customize hook: turns the freshly built Debian root filesystem into the shared,
# read-only lower layer of every lab host. Anything host-specific (host keys, hostname, apt proxy,
# authorized_keys) is NOT put here: lab.sh writes it into each host's overlay upper dir at `up`.
# Changing this file changes the rootfs cache key, so the rootfs is rebuilt.
set -euo pipefail
root=$1

# Host keys made by openssh-server's postinst would be shared by every host; each host gets its own.
rm -f "$root"/etc/ssh/ssh_host_*
# A machine id baked into the lower layer would be identical on every host.
if [[ -e "$root/etc/machine-id" ]]; then : >"$root/etc/machine-id"; fi
rm -f "$root/var/lib/dbus/machine-id"

mkdir -p "$root/etc/ssh/sshd_config.d"
cat >"$root/etc/ssh/sshd_config.d/lbprov-lab.conf" <<'CONF'
# lbprov lab: root logs in with the lab key only.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
HostKey /etc/ssh/ssh_host_ed25519_key
# Hosts have no DNS: reverse lookups would only add delay.
UseDNS no
PrintMotd no
# lbprov and the tests open many connections at once.
MaxStartups 100:30:200
MaxSessions 50
CONF

# Just localhost here: lab.sh writes each host's /etc/hosts, with every name of the lab that is up
# (lab/topology), into its upper dir; the lab's addresses are no part of the cached rootfs.
printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"

# The mirror behind the apt proxy may serve an archive snapshot whose Release files are past their
# Valid-Until; translations are never read here and only slow `apt-get update`.
cat >"$root/etc/apt/apt.conf.d/90lbprov-lab" <<'CONF'
Acquire::Check-Valid-Until "false";
Acquire::Languages "none";
CONF

install -d -m 0700 "$root/root/.ssh"
