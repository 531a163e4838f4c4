#!/usr/bin/env bash
# Vagrant shell provisioner for the lab on a PUBLIC box (vagrant/Vagrantfile, public mode): makes a
# stock Debian 12 or Rocky/Alma 9 box into a lab host like the local box's guests: root logs in
# with the lab key, the SSH host key is the one lab/vagrant.sh made on the control side (uploaded
# to /tmp/lbprov-lab/ by the file provisioners), every lab name resolves, and the packages lbprov
# expects are there (Redis on Debian-family hosts; lbprov installs build dependencies itself).
#
#   provision-public.sh <host> <apt proxy URL, or ''> <address=name>...
#
# The address=name pairs are every lab name (the control side's and lab/topology's base hosts, as
# vagrant/Vagrantfile reads them), e.g. 192.168.56.10=lb1.
set -euo pipefail
host=$1 proxy=$2
shift 2
up=/tmp/lbprov-lab

t0=$SECONDS
say() { printf 'lbprov-provision(%s): %s (%ss)\n' "$host" "$*" "$((SECONDS - t0))"; }

[[ -f $up/ssh_host_ed25519_key && -f $up/ssh_host_ed25519_key.pub && -f $up/authorized_keys ]] || {
  echo "lbprov-provision: the host key or the lab key was not uploaded to $up" >&2
  exit 1
}

# Every lab name resolves on every host (sudo and Redis want their own name to resolve).
(($#)) || {
  echo "lbprov-provision: no address=name pairs for /etc/hosts (see vagrant/Vagrantfile)" >&2
  exit 1
}
sed -i '/# lbprov-lab$/d' /etc/hosts
for pair in "$@"; do printf '%s\t%s # lbprov-lab\n' "${pair%%=*}" "${pair#*=}"; done >>/etc/hosts
say "hosts"

if command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  if [[ -n $proxy ]]; then
    printf 'Acquire::http::Proxy "%s";\n' "$proxy" >/etc/apt/apt.conf.d/01lbprov-lab-proxy
  fi
  apt-get update -q
  # What the local box has; keepalived's build dependencies are left to lbprov (its package step).
  apt-get install -y -q --no-install-recommends openssh-server redis-server redis-tools curl \
    ca-certificates kmod sudo iproute2 procps tar gzip xz-utils patch
  say "packages (apt)"
elif command -v dnf >/dev/null; then
  # RHEL family (Rocky/Alma 9): lbprov installs the build dependencies with dnf and writes the
  # VIP's ifcfg file (ONBOOT=no) under /etc/sysconfig/network-scripts.
  dnf -y -q install openssh-server curl ca-certificates kmod sudo iproute procps-ng tar gzip xz patch
  mkdir -p /etc/sysconfig/network-scripts
  say "packages (dnf)"
else
  echo "lbprov-provision: neither apt-get nor dnf on this box" >&2
  exit 1
fi

# The host key made on the control side: lbprov checks it strictly from the first connection.
rm -f /etc/ssh/ssh_host_*
install -m 0600 -o root -g root "$up/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
install -m 0644 -o root -g root "$up/ssh_host_ed25519_key.pub" /etc/ssh/ssh_host_ed25519_key.pub
mkdir -p /etc/ssh/sshd_config.d
cat >/etc/ssh/sshd_config.d/00-lbprov-lab.conf <<'CONF'
# lbprov lab: root logs in with the lab key only; the host key was made on the control side.
PermitRootLogin prohibit-password
HostKey /etc/ssh/ssh_host_ed25519_key
UseDNS no
MaxStartups 100:30:200
MaxSessions 50
CONF
if ! grep -qE '^\s*Include\s+/etc/ssh/sshd_config.d/' /etc/ssh/sshd_config; then
  sed -i '1i Include /etc/ssh/sshd_config.d/*.conf' /etc/ssh/sshd_config
fi
install -d -m 0700 -o root -g root /root/.ssh
touch /root/.ssh/authorized_keys
grep -qxF "$(cat "$up/authorized_keys")" /root/.ssh/authorized_keys || cat "$up/authorized_keys" >>/root/.ssh/authorized_keys
chmod 0600 /root/.ssh/authorized_keys
# SELinux (RHEL family) must label the new files as the originals were.
if command -v restorecon >/dev/null; then restorecon -R /etc/ssh /root/.ssh || true; fi
sshd -t
systemctl restart sshd 2>/dev/null || systemctl restart ssh
rm -rf "$up"
say "ssh host key and lab key in place"

if ! modprobe -n -q ip_vs; then
  say "WARNING: this kernel cannot load ip_vs: keepalived would need the VRRP-only fallback"
fi
say "done"
