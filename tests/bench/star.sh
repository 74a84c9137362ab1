#!/bin/sh
# Benchmark: bring-up and tear-down of a 100-node star (a hub and 99 spokes, one veth each,
# addresses, links up, a default route on every spoke), by vpnlab and by a shell script of
# `ip` commands, in one run, on the same machine. Prints both and the ratio.
# Usage: tests/bench/star.sh [NODES] [ROUNDS]
set -eu
: "${VPNLAB:=build/vpnlab}"
nodes=${1:-100}
rounds=${2:-3}
T=$(mktemp -d /tmp/vpnlab-bench.XXXXXX)
trap 'rm -rf "$T"; for n in $(ip netns list | awk "/^vb-/{print \$1}"); do ip netns del "$n"; done' EXIT
spokes=$((nodes - 1))

# The scenario: spoke i is 10.(i/256).(i%256).2/30 ... kept simple with /30s in 10.0.0.0/8.
{
  echo "name: star$nodes"
  echo "topology:"
  echo "  nodes:"
  echo "    hub: {forward: true}"
  i=1; while [ $i -le $spokes ]; do echo "    s$i: {}"; i=$((i + 1)); done
  echo "  links:"
  i=1; while [ $i -le $spokes ]; do
    a=$((i * 4)); echo "    - [hub:e$i 10.$((a / 65536)).$((a / 256 % 256)).$((a % 256 + 1))/30, s$i:eth0 10.$((a / 65536)).$((a / 256 % 256)).$((a % 256 + 2))/30]"
    i=$((i + 1)); done
  echo "  routes:"
  i=1; while [ $i -le $spokes ]; do
    a=$((i * 4)); echo "    s$i: [default via 10.$((a / 65536)).$((a / 256 % 256)).$((a % 256 + 1))]"
    i=$((i + 1)); done
} > "$T/star.yaml"

cat > "$T/star-ip.sh" <<SH
#!/bin/sh
set -e
ip netns add vb-hub
ip -n vb-hub link set lo up
ip netns exec vb-hub sysctl -qw net.ipv4.ip_forward=1
i=1
while [ \$i -le $spokes ]; do
  a=\$((i * 4)); p=10.\$((a / 65536)).\$((a / 256 % 256))
  ip netns add vb-s\$i
  ip -n vb-s\$i link set lo up
  ip link add e\$i netns vb-hub type veth peer name eth0 netns vb-s\$i
  ip -n vb-hub addr add \$p.\$((a % 256 + 1))/30 dev e\$i
  ip -n vb-s\$i addr add \$p.\$((a % 256 + 2))/30 dev eth0
  ip -n vb-hub link set e\$i up
  ip -n vb-s\$i link set eth0 up
  ip -n vb-s\$i route add default via \$p.\$((a % 256 + 1))
  i=\$((i + 1))
done
ip netns del vb-hub
i=1
while [ \$i -le $spokes ]; do ip netns del vb-s\$i; i=\$((i + 1)); done
SH

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
run_times() {   # command... -> one time per round
  r=1; while [ $r -le "$rounds" ]; do
    s=$(now); "$@" > "$T/log" 2>&1 || { cat "$T/log"; exit 1; }; e=$(now)
    echo "$e - $s" | bc -l; r=$((r + 1)); done
}
"$VPNLAB" validate "$T/star.yaml" > /dev/null
t_ip=$(run_times sh "$T/star-ip.sh" | median)
t_vl=$(run_times "$VPNLAB" run "$T/star.yaml" --out "$T/out" --quiet --no-capture | median)
t_vc=$(run_times "$VPNLAB" run "$T/star.yaml" --out "$T/out" --quiet | median)
printf 'star of %d nodes, bring-up + tear-down, median of %d rounds:\n' "$nodes" "$rounds"
printf '  ip commands (shell script):     %7.3f s\n' "$t_ip"
printf '  vpnlab (no captures):           %7.3f s   %5.1fx faster\n' "$t_vl" "$(echo "$t_ip / $t_vl" | bc -l)"
printf '  vpnlab (a pcap per link end):   %7.3f s   %5.1fx faster\n' "$t_vc" "$(echo "$t_ip / $t_vc" | bc -l)"
