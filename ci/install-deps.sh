#!/bin/sh
# Install the Debian packages vpnlab needs, and only those that are missing.
# Usage: ci/install-deps.sh [build|test|all]   (default: all)
#   build: what compiles and unit-tests vpnlab
#   test:  build + the real peers and tools the integration and interop tests start, and
#          Sakura's own Node.js client (tests/sacloud/package.json, from the npm registry)
#          in $VPNLAB_SACLOUD_DIR (default /var/cache/vpnlab/sacloud) for sakura_sacloud.sh
set -eu

SACLOUD_DIR=${VPNLAB_SACLOUD_DIR:-/var/cache/vpnlab/sacloud}
here=$(cd "$(dirname "$0")/.." && pwd)

# node-sacloud and its dependencies as tests/sacloud/package-lock.json pins them; nothing is
# fetched when the cache already holds that lock's install (offline-friendly).
sacloud_install() {
  command -v npm >/dev/null 2>&1 || { echo "ci/install-deps.sh: no npm: sacloud not installed" >&2; return 0; }
  if [ -d "$SACLOUD_DIR/node_modules/sacloud" ] &&
     cmp -s "$here/tests/sacloud/package-lock.json" "$SACLOUD_DIR/package-lock.json"; then
    echo "ci/install-deps.sh: sacloud present in $SACLOUD_DIR"
    return 0
  fi
  mkdir -p "$SACLOUD_DIR"
  cp "$here/tests/sacloud/package.json" "$here/tests/sacloud/package-lock.json" "$SACLOUD_DIR/"
  (cd "$SACLOUD_DIR" && npm ci --no-audit --no-fund --ignore-scripts)
  echo "ci/install-deps.sh: sacloud installed in $SACLOUD_DIR"
}

want=${1:-all}

build_pkgs="gcc make pkg-config libc6-dev libnl-3-dev libnl-route-3-dev libssl-dev \
libpcap-dev libyaml-dev libcunit1-dev libnftables-dev libmicrohttpd-dev libjansson-dev \
iproute2 util-linux bc python3 procps"
test_pkgs="iputils-ping strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins ike-scan tshark \
iperf3 tcpdump curl python3-openstackclient python3-neutronclient nftables time"
# Node.js and npm for the sacloud client: Debian's packages, unless some other Node.js with
# its own npm is installed already (then nodejs / npm are not asked of apt)
command -v npm >/dev/null 2>&1 || test_pkgs="$test_pkgs nodejs npm"

case "$want" in
  build) pkgs=$build_pkgs ;;
  test|all) pkgs="$build_pkgs $test_pkgs" ;;
  *) echo "ci/install-deps.sh: unknown set '$want' (build, test or all)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
  st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  case "$st" in
    ii*) ;;
    *) missing="$missing $p" ;;
  esac
done

if [ -z "$missing" ]; then
  echo "ci/install-deps.sh: all $want packages present"
  [ "$want" = build ] || sacloud_install
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/install-deps.sh: missing packages:$missing" >&2
  echo "ci/install-deps.sh: run as root (or: sudo apt-get install$missing)" >&2
  exit 3
fi

echo "ci/install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
[ "$want" = build ] || sacloud_install
