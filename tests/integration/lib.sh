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

# netns_chain PREFIX H1 G1 G2 H2: four named namespaces PREFIX-H1 -- PREFIX-G1 == PREFIX-G2 --
# PREFIX-H2, removed at exit: H1 eth0 10.1.0.10/24 - G1 lan0 10.1.0.1/24, G1 wan0 10.10.0.1/24 -
# G2 wan0 10.10.0.2/24, G2 lan0 10.2.0.1/24 - H2 eth0 10.2.0.10/24; every link up, the hosts'
# default routes through their gateway, forwarding on in G1 and G2. Sets chain_links to the
# NODE:IFACE link ends (for per-interface settings such as offloads).
netns_chain() {
  chain_p=$1; shift
  chain_nodes="$*"
  for n in $chain_nodes; do ip netns add "$chain_p-$n" || fail "ip netns add $chain_p-$n"; done
  cleanup_hooks="netns_chain_del $cleanup_hooks"
  set -- $chain_nodes
  ip link add eth0 netns "$chain_p-$1" type veth peer name lan0 netns "$chain_p-$2"
  ip link add wan0 netns "$chain_p-$2" type veth peer name wan0 netns "$chain_p-$3"
  ip link add lan0 netns "$chain_p-$3" type veth peer name eth0 netns "$chain_p-$4"
  for n in $chain_nodes; do ip -n "$chain_p-$n" link set lo up; done
  ip -n "$chain_p-$1" addr add 10.1.0.10/24 dev eth0
  ip -n "$chain_p-$2" addr add 10.1.0.1/24 dev lan0
  ip -n "$chain_p-$2" addr add 10.10.0.1/24 dev wan0
  ip -n "$chain_p-$3" addr add 10.10.0.2/24 dev wan0
  ip -n "$chain_p-$3" addr add 10.2.0.1/24 dev lan0
  ip -n "$chain_p-$4" addr add 10.2.0.10/24 dev eth0
  chain_links="$1:eth0 $2:lan0 $2:wan0 $3:wan0 $3:lan0 $4:eth0"
  for l in $chain_links; do ip -n "$chain_p-${l%%:*}" link set "${l#*:}" up; done
  ip -n "$chain_p-$1" route add default via 10.1.0.1
  ip -n "$chain_p-$4" route add default via 10.2.0.1
  for n in $2 $3; do ip netns exec "$chain_p-$n" sysctl -qw net.ipv4.ip_forward=1; done
}
netns_chain_del() { for n in $chain_nodes; do ip netns del "$chain_p-$n" 2>/dev/null; done; }
