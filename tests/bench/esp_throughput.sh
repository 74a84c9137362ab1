#!/bin/sh
# Benchmark: iperf3 TCP throughput through an ESP tunnel (AES-256-CBC / HMAC-SHA2-256) between
# the same four namespaces, once with vpnlab at both ends (`vpnlab peer --tunnel`, userspace
# ESP) and once with Debian's strongSwan at both ends (charon, kernel-libipsec, userspace ESP
# in UDP 4500), RUNS runs each, alternating, with the same tunnels; and OpenSSL's speed for
# the same cipher and MAC on one core as the crypto limit. Prints every run, the medians, and
# the ratios "vpnlab/strongswan = X.XX" and "vpnlab/crypto-limit = 0.XX" of the medians.
# A shared machine swings from run to run: the medians are what to compare.
#
#   hA 10.1.0.10 -- gA ==10.10.0.0/24== gB -- hB 10.2.0.10
#
# Usage: tests/bench/esp_throughput.sh [SECONDS [RUNS]]
#   BENCH_ONLY=vpnlab: vpnlab's runs only (when tuning; no ratio to strongSwan then)
#   BENCH_VPNLAB_ARGS="...": more options for both vpnlab peers (e.g. --no-offload)
#   BENCH_KEEP=DIR: copy both vpnlab peers' output (events, counters) into DIR after each run
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/lib_strongswan.sh"
need_root
secs=${1:-5}
runs=${2:-3}
only=${BENCH_ONLY:-}
sw_available || skip "strongSwan (charon, swanctl) or /dev/net/tun missing"
have iperf3 || skip "iperf3 missing"
have openssl || skip "openssl missing"
[ -x /usr/bin/time ] || skip "/usr/bin/time missing (Debian package time)"

P=vl-bench
netns_chain $P hA gA gB hB

IKE=aes256-sha256-modp2048 ESP=aes256-sha256

# The runs are not in $(...): a subshell would keep sw_start's cleanup hooks from the trap.
# CPU time of a process in clock ticks (utime + stime, /proc/PID/stat fields 14 and 15; the
# kernel charges softirq work, e.g. the next namespace's receive path, to the task it ran in)
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
ksoftirqd_ticks() { t=0; for p in $(pgrep -x 'ksoftirqd/[0-9]*'); do
  t=$((t + $(ticks $p))); done; echo $t; }

iperf() {   # iperf WHO [PID...]: writes "Mbit/s-received retransmits cpu-s/GB" to $T/res
  who=$1; shift
  ip netns exec $P-hB /usr/bin/time -f '%U %S' -o "$T/time-s" \
    iperf3 -s -1 -B 10.2.0.10 > "$T/iperf-s.log" 2>&1 &
  s=$!
  sleep 0.3
  c0=$(ksoftirqd_ticks); for p in "$@"; do c0=$((c0 + $(ticks $p))); done
  ip netns exec $P-hA /usr/bin/time -f '%U %S' -o "$T/time-c" \
    iperf3 -c 10.2.0.10 -t "$secs" -J > "$T/iperf-$who.json" 2>&1 ||
    { tail -5 "$T/iperf-$who.json"; fail "iperf3 failed"; }
  wait $s 2>/dev/null
  c1=$(ksoftirqd_ticks); for p in "$@"; do c1=$((c1 + $(ticks $p))); done
  python3 -c "import json, os; d=json.load(open('$T/iperf-$who.json')); \
r=d['end']['sum_received']; \
it=sum(float(x) for f in ('$T/time-s', '$T/time-c') for x in open(f).read().split()[-2:]); \
cpu=($c1 - $c0) / os.sysconf('SC_CLK_TCK') + it; \
print('%.0f %d %.2f' % (r['bits_per_second'] / 1e6, \
d['end']['sum_sent'].get('retransmits', 0), cpu / (r['bytes'] / 1e9)))" > "$T/res" ||
    fail "iperf3 $who: no result"
}

median() {  # median of the numbers on stdin
  sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2];
    else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

wait_up() {   # wait_up CHECK_COMMAND WHAT
  i=0
  until eval "$1" > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "$2: no tunnel"; sleep 0.1; done
}

# vpnlab at both ends; stopped again after the run, so strongSwan can bind 500/4500
vpnlab_run() {
  ip netns exec $P-gB "$VPNLAB" peer --local 10.10.0.2 --remote 10.10.0.1 --psk bench \
    --ike $IKE --esp $ESP --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 --tunnel tun0 --force-encap ${BENCH_VPNLAB_ARGS:-} \
    --timeout 120s > "$T/vb.out" 2>&1 &
  vb=$!
  sleep 0.3
  ip netns exec $P-gA "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk bench \
    --ike $IKE --esp $ESP --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 --tunnel tun0 --force-encap ${BENCH_VPNLAB_ARGS:-} \
    --initiate --timeout 120s > "$T/va.out" 2>&1 &
  va=$!
  wait_up "grep -q child_sa_established $T/va.out" vpnlab
  iperf vpnlab-$1 $va $vb
  kill -TERM $va $vb; wait $va $vb 2>/dev/null
  [ -n "${BENCH_KEEP:-}" ] && cp "$T/va.out" "$T/vb.out" "$BENCH_KEEP"/
  # the senders' UDP GSO: packets per send (1 without offloads)
  grep -h " counters " "$T/va.out" "$T/vb.out" | sed -n 's/.*UDP GSO \([0-9]*\) sends of \([0-9]*\) packets.*/\1 \2/p' |
    awk '{ s += $1; p += $2 } END { printf "%.1f\n", s ? p / s : 1 }' > "$T/gso"
  # with an ASan/UBSan build (make asan), a report fails the benchmark
  ! grep -h "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" \
    "$T/va.out" "$T/vb.out" ||
    fail "vpnlab: sanitizer report"
}

# strongSwan at both ends
swconf() {   # swconf LOCAL REMOTE LOCAL_TS REMOTE_TS
  cat <<C
connections { c { version = 1
  local_addrs = $1
  remote_addrs = $2
  proposals = $IKE
  encap = yes
  local { auth = psk
    id = $1 }
  remote { auth = psk
    id = $2 }
  children { c { local_ts = $3
    remote_ts = $4
    esp_proposals = $ESP
    start_action = none } } } }
secrets { ike-1 { id-a = 10.10.0.1
  id-b = 10.10.0.2
  secret = "bench" } }
C
}
strongswan_run() {   # fresh names each run: fresh directories, VICI sockets and logs
  sw_start gb$1 $P-gB "$(swconf 10.10.0.2 10.10.0.1 10.2.0.0/24 10.1.0.0/24)"
  sw_start ga$1 $P-gA "$(swconf 10.10.0.1 10.10.0.2 10.1.0.0/24 10.2.0.0/24)"
  sw_swanctl ga$1 --initiate --child c --timeout 15 > "$T/sw-init.log" 2>&1 ||
    { cat "$T/sw-init.log"; fail "strongSwan: no tunnel"; }
  iperf strongswan-$1
  sw_stop_ga$1; sw_stop_gb$1
}

: > "$T/v.txt"; : > "$T/vc.txt"; : > "$T/s.txt"
for r in $(seq 1 "$runs"); do
  vpnlab_run $r
  set -- $(cat "$T/res"); echo "$1" >> "$T/v.txt"; echo "$3" >> "$T/vc.txt"
  echo "  run $r: vpnlab $1 Mbit/s ($2 TCP retransmits, $3 CPU s/GB, $(cat "$T/gso") ESP packets per UDP send)"
  [ "$only" = vpnlab ] && continue
  strongswan_run $r
  set -- $(cat "$T/res"); echo "$1" >> "$T/s.txt"
  echo "  run $r: strongSwan $1 Mbit/s ($2 TCP retransmits)"
done
vpnlab_mbps=$(median < "$T/v.txt")
strongswan_mbps=$(median < "$T/s.txt")
vpnlab_cpu=$(sort -n "$T/vc.txt" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
  else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

# 3. the crypto limit on one core: every byte is encrypted once and MACed once
bytes=1424
aes=$(openssl speed -seconds 2 -bytes $bytes -evp aes-256-cbc 2>/dev/null | awk 'tolower($1) == "aes-256-cbc" {print $2}')
mac=$(openssl speed -seconds 2 -bytes $bytes -hmac sha256 2>/dev/null | awk '/^hmac\(sha256\)/ {print $2}')
aes=${aes%k} mac=${mac%k}
[ -n "$aes" ] && [ -n "$mac" ] || fail "could not read openssl speed (aes '$aes', hmac '$mac')"
# k = 1000 bytes/s; Mbit/s of the two in series
limit=$(echo "scale=6; x = 1 / (1 / ($aes * 8 / 1000) + 1 / ($mac * 8 / 1000)); scale=0; x / 1" | bc -l)
share_v=$(printf '%.2f' "$(echo "$vpnlab_mbps / $limit" | bc -l)")
echo "esp_throughput ($ESP, TCP, ${secs}s each, $runs runs, medians, same namespaces):"
echo "  vpnlab (userspace, both ends):              $vpnlab_mbps Mbit/s," \
     "$vpnlab_cpu CPU s/GB (both vpnlab, both iperf3, ksoftirqd)"
if [ -n "$strongswan_mbps" ]; then
  share_s=$(printf '%.2f' "$(echo "$strongswan_mbps / $limit" | bc -l)")
  echo "  strongSwan kernel-libipsec (both ends):     $strongswan_mbps Mbit/s" \
       "($share_s of the limit)"
fi
echo "  crypto limit, one core (openssl speed, ${bytes}-byte blocks: aes-256-cbc" \
     "$(echo "$aes * 8 / 1000" | bc -l | cut -d. -f1) Mbit/s, hmac sha256" \
     "$(echo "$mac * 8 / 1000" | bc -l | cut -d. -f1) Mbit/s," \
     "in series): $limit Mbit/s"
[ -n "$strongswan_mbps" ] &&
  echo "vpnlab/strongswan = $(printf '%.2f' "$(echo "$vpnlab_mbps / $strongswan_mbps" | bc -l)")"
echo "vpnlab/crypto-limit = $share_v"
