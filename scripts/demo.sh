#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, in one command (as root):
#   sudo bash scripts/demo.sh
# installs what is needed, brings the namespace lab up (five hosts in network namespaces on this
# machine), runs `lbprov apply inventory/lab.yaml`, re-applies to show it converged, and verifies
# the cluster. Leave it up to explore (`npm run lab:ssh -- lb1`), then `npm run lab:down`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ $EUID -ne 0 ]]; then
  echo "demo: run as root (the lab makes network namespaces, a bridge and mounts): sudo bash $0" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "demo: lbprov needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "      Debian 12's own nodejs is 18; install Node.js 20+ (e.g. from nodejs.org or NodeSource), then re-run." >&2
  exit 1
fi

bash lab/install-deps.sh
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
bash lab/lab.sh up

# The lab inventory reads the VRRP password from the environment; never write it to a file. It pins
# the how-to's keepalived 1.2.0, which reads at most 7 characters: a longer one is refused.
if [[ -z ${LBPROV_AUTH_PASS:-} ]]; then
  LBPROV_AUTH_PASS=$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')
  LBPROV_AUTH_PASS=${LBPROV_AUTH_PASS:0:7}
fi
export LBPROV_AUTH_PASS

echo; echo "== lbprov apply inventory/lab.yaml (a first run builds keepalived 1.2.0 and ipvsadm 1.26 on both directors)"
./bin/lbprov apply inventory/lab.yaml
echo; echo "== lbprov apply again: nothing to change"
./bin/lbprov apply inventory/lab.yaml
# status exits 6 when anything would change: the second apply must have left the cluster converged.
if ! ./bin/lbprov status inventory/lab.yaml >/dev/null; then
  echo "demo: the cluster is not converged after the second apply (see: ./bin/lbprov status inventory/lab.yaml)" >&2
  exit 1
fi
echo; echo "== lbprov verify inventory/lab.yaml"
./bin/lbprov verify inventory/lab.yaml
echo
echo "The lab is still up: npm run lab:ssh -- lb1 'ip -o addr show dev eth0'; npm run lab:down when done."
