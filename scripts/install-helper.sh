#!/bin/sh
# Builds and installs netdiag's privileged helper (packages/native-socket/helper/netdiag-helper.c),
# the one part of netdiag that holds CAP_NET_RAW, as mtr-packet does for mtr: owned by root and a
# group, mode 0750 (only the group's members may run it), with the file capability cap_net_raw+ep.
#
#   sudo sh scripts/install-helper.sh [--prefix DIR] [--group NAME]     (npm run install-helper)
#   sudo sh scripts/install-helper.sh --uninstall [--prefix DIR]
#
# Then add the users who may probe: sudo usermod -aG netdiag USER (they log in again). netdiag
# finds the helper in /usr/local/libexec/netdiag or /usr/libexec/netdiag; installed elsewhere, point
# NETDIAG_HELPER at it. `netdiag --privileges` says whether it is found and usable.
set -eu

prefix=/usr/local
group=netdiag
uninstall=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --group) group=$2; shift 2 ;;
    --uninstall) uninstall=true; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-helper: unknown option $1" >&2; exit 2 ;;
  esac
done

dir="$prefix/libexec/netdiag"
target="$dir/netdiag-helper"
if $uninstall; then
  rm -f "$target"
  rmdir "$dir" 2>/dev/null || true
  echo "removed $target (the group $group is left as it is: remove it with groupdel $group)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-helper: run as root (it sets a group and a file capability)" >&2
  exit 2
fi
command -v setcap >/dev/null || { echo "install-helper: setcap is missing: apt-get install libcap2-bin" >&2; exit 2; }
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "install-helper: no C compiler ($cc): apt-get install gcc" >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
source="$here/packages/native-socket/helper/netdiag-helper.c"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
"$cc" -O2 -Wall -Wextra -Werror -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -pie \
  -o "$build/netdiag-helper" "$source"

getent group "$group" >/dev/null || groupadd --system "$group"
install -d -m 0755 "$dir"
# Written under a temporary name, then renamed: a running helper is never half-replaced.
install -o root -g "$group" -m 0750 "$build/netdiag-helper" "$target.new"
setcap cap_net_raw+ep "$target.new"
mv -f "$target.new" "$target"
echo "installed $target (root:$group 0750, cap_net_raw+ep)"
echo "let a user use it: usermod -aG $group USER (effective at their next login)"
case "$dir" in
  /usr/local/libexec/netdiag|/usr/libexec/netdiag) ;;
  *) echo "netdiag looks in /usr/local/libexec/netdiag and /usr/libexec/netdiag: set NETDIAG_HELPER=$target" ;;
esac
