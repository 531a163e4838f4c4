#!/usr/bin/env bash
# mmdebstrap customize hook for the "prebuilt" variant of the lab box (LBPROV_VAGRANT_BOX_VARIANT=
# prebuilt, vagrant/build-box.sh): builds keepalived 2.2.7 and ipvsadm 1.31 from the lab's source
# tarballs inside the box's root filesystem, at native speed on the control machine, with the very
# commands lbprov's build step runs (test/golden/build-*.txt). lbprov's apply then finds them
# installed and skips its own build: the CI-sized variant of the Vagrant lab, where compiling under
# software emulation (minutes per director) would not fit. The build from source itself is then
# proven by the namespace lab (and by the plain box).
set -euo pipefail
root=$1 artifacts=$2
src=$root/usr/local/src
mkdir -p "$src"
cp "$artifacts/keepalived_2.2.7.orig.tar.gz" "$artifacts/ipvsadm_1.31.orig.tar.gz" "$src/"
chroot "$root" sh -euc '
  cd /usr/local/src
  tar -xzf keepalived_2.2.7.orig.tar.gz
  tar -xzf ipvsadm_1.31.orig.tar.gz
  cd /usr/local/src/keepalived-2.2.7
  ./configure --prefix=/usr/local/keepalived --with-init=SYSV > /tmp/keepalived-configure.log
  grep -E "^Use IPVS Framework *: *Yes *$" /tmp/keepalived-configure.log
  make -j"$(nproc)" > /dev/null
  make install > /dev/null
  cd /usr/local/src/ipvsadm-1.31
  make > /dev/null
  make install > /dev/null
  /usr/local/keepalived/sbin/keepalived -v 2>&1 | head -n 1
  grep -a -o -m 1 "ipvsadm v[0-9.]* " /sbin/ipvsadm
'
rm -rf "$src"/* "$root/tmp/keepalived-configure.log"
