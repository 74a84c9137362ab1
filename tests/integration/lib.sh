# Shared helpers for integration tests (sourced).
set -u
: "${VPNLAB:?VPNLAB must point at the vpnlab binary}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/vpnlab-test.XXXXXX)
chmod 755 "$T"
cleanup_hooks=""
on_exit() { for h in $cleanup_hooks; do $h; done; rm -rf "$T"; }
trap on_exit EXIT INT TERM

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
have() { command -v "$1" >/dev/null 2>&1; }

# What a run may leave on the host: named namespaces, host links, vpnlab processes, mounts.
host_state() {
  { echo "netns: $(ip netns list 2>/dev/null | awk '{print $1}' | sort | tr '\n' ' ')"
    echo "links: $(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')"
    echo "procs: $(ps -eo comm= | grep -E '^(vpnlab|charon|iperf3|tcpdump)$' | sort | tr '\n' ' ')"
    echo "mounts: $(grep -c . /proc/self/mountinfo)"
  }
}

# Inode numbers of every network namespace some process or mount refers to.
live_netns() {
  { for p in /proc/[0-9]*; do
      readlink "$p/ns/net" 2>/dev/null
      for f in "$p"/fd/*; do l=$(readlink "$f" 2>/dev/null) && case "$l" in net:*) echo "$l" ;; esac; done
    done
    grep -ho 'net:\[[0-9]*\]' /proc/[0-9]*/mountinfo 2>/dev/null
  } | sort -u
}
