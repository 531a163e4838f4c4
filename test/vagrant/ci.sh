#!/usr/bin/env bash
# The Vagrant lab's end-to-end run behind a switch, for `npm test` / .ci/run (a `test:vagrant`
# script): it needs several hundred MB of packages, a 700 MB box and, with the plain box, compiling
# keepalived under software emulation. See vagrant/README.md for the measured times.
#
#   LBPROV_TEST_VAGRANT unset or 0   skip (prints why)
#   LBPROV_TEST_VAGRANT=1            full run: lbprov builds keepalived/ipvsadm in the guests
#   LBPROV_TEST_VAGRANT=prebuilt     CI-sized run: the box already has them built (native speed)
set -euo pipefail
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case ${LBPROV_TEST_VAGRANT:-0} in
0 | "")
  echo "test-vagrant: skipped (set LBPROV_TEST_VAGRANT=1 for the full run, or =prebuilt for the CI-sized one)"
  exit 0
  ;;
1 | full) ;;
prebuilt) export LBPROV_VAGRANT_BOX_VARIANT=prebuilt ;;
*)
  echo "test-vagrant: LBPROV_TEST_VAGRANT must be 0, 1 or prebuilt" >&2
  exit 2
  ;;
esac
bash "$REPO_DIR/vagrant/install-deps.sh"
exec bash "$REPO_DIR/test/vagrant/run.sh" "$@"
