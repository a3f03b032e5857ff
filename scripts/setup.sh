#!/bin/sh
# Installs what netdiag needs on a fresh Debian machine, then the npm workspace (which builds the
# native addon and the TypeScript, and bundles the CLI), then Node 24 beside the system's Node.
# Run as root: the lab uses namespaces.
set -eu
cd "$(dirname "$0")/.."
missing=""
for p in $(grep -v '^#' scripts/apt-packages.txt); do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing:$missing" >&2
    echo "setup: run as root (the lab needs root anyway), or install them with apt-get" >&2
    exit 2
  fi
  echo "setup: installing$missing"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
npm install --no-audit --no-fund
# Node 24, the active LTS line, beside the system's Node (into .cache/node, from the npm
# registry), and raw-socket built for it: npm test runs the suite on both lines.
node scripts/node-lines.mjs install
