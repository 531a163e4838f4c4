#!/usr/bin/env bash
# mmdebstrap customize hook for the "prebuilt" variant of the lab box (LBPROV_VAGRANT_BOX_VARIANT=
# prebuilt, vagrant/build-box.sh): builds the given keepalived and ipvsadm (the how-to's 1.2.0 and
# 1.26) from the lab's source tarballs inside the box's root filesystem, at native speed on the control machine. lbprov's apply
# then finds them installed and skips its own build: the CI-sized variant of the Vagrant lab, where
# compiling under software emulation (minutes per director) would not fit. The build from source
# itself is proven by the namespace lab (and by the plain box).
#
# The commands are not written here a second time: they are the `$` lines of lbprov's build plans
# in test/golden/build-*.txt, which the unit tests hold equal to what lbprov's build step runs.
set -euo pipefail
#   box-prebuild.sh <root> <artifacts-dir> <golden-dir> (<tarball> <golden-file>)...
root=$1 artifacts=$2 golden=$3
shift 3
src=$root/usr/local/src
mkdir -p "$src"

# The plan's step commands, in order, each ended by a NUL: `  $ ` opens one, `  > ` continues it
# (a patch step's diff), and its verify command comes after "verify:".
plan_commands() {
  awk '/^verify:/ { exit }
    /^  \$ / { if (open) printf "%s%c", command, 0; command = substr($0, 5); open = 1; next }
    /^  > / { command = command "\n" substr($0, 5); next }
    END { if (open) printf "%s%c", command, 0 }' "$1"
}

build() { # tarball plan
  local tarball=$1 plan=$2 command
  cp "$artifacts/$tarball" "$src/"
  tar -xzf "$src/$tarball" -C "$src"
  while IFS= read -r -d '' command; do
    printf 'box-prebuild: %s\n' "$command"
    chroot "$root" sh -euc "$command" >"$root/tmp/lbprov-prebuild.log" 2>&1 ||
      { tail -n 40 "$root/tmp/lbprov-prebuild.log"; exit 1; }
    # lbprov refuses a keepalived that configure would build without IPVS; so does the box.
    if [[ $command == *./configure* ]]; then
      grep -E '^Use IPVS Framework *: *Yes *$' "$root/tmp/lbprov-prebuild.log"
    fi
  done < <(plan_commands "$plan")
}

while (($# >= 2)); do
  build "$1" "$golden/$2"
  shift 2
done
chroot "$root" sh -c "/usr/local/keepalived/sbin/keepalived -v 2>&1 | head -n 1; grep -a -o -m 1 'ipvsadm v[0-9.]* ' /sbin/ipvsadm"
rm -rf "$src"/* "$root/tmp/lbprov-prebuild.log"
