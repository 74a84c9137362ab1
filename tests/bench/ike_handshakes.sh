#!/bin/sh
# Benchmark: IKEv1 handshakes per second, main mode (PSK) + quick mode with PFS, all
# aes256-sha256-modp2048, each handshake's SAs deleted before the next one starts. The same
# initiator (`vpnlab peer --initiate --repeat N`, one process) runs against a vpnlab responder
# and then against Debian's strongSwan 5.9 (charon with kernel-libipsec, log levels at
# charon's default 1) on the same machine in one run. For scale, OpenSSL's 2048-bit
# finite-field DH rate (`openssl speed ffdh2048`): every handshake costs each side four
# 2048-bit modular exponentiations (a key pair and a shared secret, in main mode and again
# in quick mode), so ffdh2048 ops/s / 4 bounds one side's handshake rate on one core, and,
# since the handshakes are sequential and both sides run on this machine, ffdh2048 ops/s / 8
# bounds this run (each side waits for the other's exponentiations). A second run has four
# initiators at once, so both cores work; its bound is ffdh2048 / 4 for both sides together.
# Usage: tests/bench/ike_handshakes.sh [HANDSHAKES]
set -eu
: "${VPNLAB:=build/vpnlab}"
VPNLAB=$(cd "$(dirname "$VPNLAB")" && pwd)/$(basename "$VPNLAB")
export VPNLAB
count=${1:-100}
here=$(cd "$(dirname "$0")" && pwd)
set +e          # lib.sh sets -u and its own traps; failures go through fail()
. "$here/../integration/lib.sh"
. "$here/../integration/lib_strongswan.sh"
SW_LOG_IKE=1 SW_LOG_CFG=1
sw_available || { echo "ike_handshakes: strongSwan (charon, swanctl) or /dev/net/tun missing"; exit 77; }
netns_pair bh
A=vl-bh-a; B=vl-bh-b
P=aes256-sha256-modp2048

rate() {   # rate OUTPUT_FILE: the per_second figure of a --repeat --json run
  sed -n 's/.*"per_second": \([0-9.]*\).*/\1/p' "$1"
}

# 1. vpnlab responder
ip netns exec $B "$VPNLAB" peer --local 10.10.0.2 --remote 10.10.0.1 --psk bench-psk \
   --ike $P --esp $P --timeout 600s > "$T/resp.out" 2>&1 &
vp=$!
sleep 0.3
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk bench-psk \
   --ike $P --esp $P --initiate --repeat "$count" --timeout 300s --json > "$T/v.out" 2> "$T/v.err" ||
  { cat "$T/v.err"; kill $vp; fail "handshakes against the vpnlab responder failed"; }
kill $vp; wait $vp 2>/dev/null
up=$(grep -c 'child_sa_established' "$T/resp.out")
[ "$up" -eq "$count" ] || fail "the vpnlab responder set up $up CHILD_SAs, not $count"
v=$(rate "$T/v.out")

# 2. strongSwan responder, same initiator
sw_start bh "$B" "connections { c { version = 1
  local_addrs = 10.10.0.2
  remote_addrs = 10.10.0.1
  proposals = $P
  dpd_delay = 0
  local { auth = psk
    id = 10.10.0.2 }
  remote { auth = psk
    id = 10.10.0.1 }
  children { c { local_ts = 0.0.0.0/0
    remote_ts = 0.0.0.0/0
    esp_proposals = $P } } } }
secrets { ike-1 { id-a = 10.10.0.1
  id-b = 10.10.0.2
  secret = bench-psk } }"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk bench-psk \
   --ike $P --esp $P --initiate --repeat "$count" --timeout 300s --json > "$T/s.out" 2> "$T/s.err" ||
  { cat "$T/s.err"; sw_log bh | tail -20; fail "handshakes against strongSwan failed"; }
sw_stop_bh
up=$(sw_log bh | grep -c "CHILD_SA c{[0-9]*} established")
[ "$up" -eq "$count" ] || fail "strongSwan set up $up CHILD_SAs, not $count"
s=$(rate "$T/s.out")

# 3. four initiators at once (four processes on four addresses), so both cores work: four
# vpnlab responders (one process per peer, as a lab runs a gateway per peer) or one charon
K=4
per=$((count / K))
k=1; while [ $k -le $K ]; do
  ip -n $A addr add 10.10.0.1$k/24 dev eth0; ip -n $B addr add 10.10.0.2$k/24 dev eth0
  k=$((k + 1)); done
# narrow selectors per initiator: charon routes a CHILD_SA's remote selector into its TUN
# (install_routes), so with 0.0.0.0/0 one peer's SA would swallow the IKE packets to the others
ip -n $B addr add 10.2.0.1/32 dev lo
now() { date +%s.%N; }
par() {   # par NAME each|one: K initiators of $per handshakes, to 10.10.0.2K each or all to
          # 10.10.0.2; prints the total rate
  pids=""; k=1
  t0=$(now)
  while [ $k -le $K ]; do
    if [ "$2" = each ]; then r=10.10.0.2$k; else r=10.10.0.2; fi
    ip netns exec $A "$VPNLAB" peer --local 10.10.0.1$k --remote $r --psk bench-psk \
       --local-ts 10.1.$k.0/24 --remote-ts 10.2.0.0/16 --ike $P --esp $P --initiate --repeat "$per" --timeout 300s --json > "$T/$1$k.out" 2> "$T/$1$k.err" &
    pids="$pids $!"; k=$((k + 1)); done
  for pid in $pids; do wait $pid || { cat "$T/$1"*.err >&2; return 1; }; done
  t1=$(now)
  echo "scale=1; $K * $per / ($t1 - $t0)" | bc
}
rpids=""; k=1
while [ $k -le $K ]; do
  ip netns exec $B "$VPNLAB" peer --local 10.10.0.2$k --remote 10.10.0.1$k --psk bench-psk \
     --local-ts 10.2.0.0/16 --remote-ts 10.1.$k.0/24 --ike $P --esp $P --timeout 600s > "$T/resp4$k.out" 2>&1 &
  rpids="$rpids $!"; k=$((k + 1)); done
sleep 0.3
v4=$(par v4 each) || { kill $rpids; fail "four initiators against vpnlab failed"; }
kill $rpids; wait $rpids 2>/dev/null
up=$(cat "$T"/resp4*.out | grep -c 'child_sa_established')
[ "$up" -eq $((K * per)) ] || fail "the vpnlab responders set up $up CHILD_SAs, not $((K * per))"
sw_start bh4 "$B" "connections { c { version = 1
  local_addrs = 10.10.0.2
  remote_addrs = %any
  proposals = $P
  dpd_delay = 0
  local { auth = psk
    id = 10.10.0.2 }
  remote { auth = psk
    id = %any }
  children { c { local_ts = 10.2.0.0/16
    remote_ts = 10.1.0.0/16
    esp_proposals = $P } } } }
secrets { ike-1 { secret = bench-psk } }"
s4=$(par s4 one) || { sw_log bh4 | tail -20; fail "four initiators against strongSwan failed"; }
sw_stop_bh4
up4=$(sw_log bh4 | grep -c "CHILD_SA c{[0-9]*} established")
[ "$up4" -eq $((K * per)) ] || fail "strongSwan set up $up4 CHILD_SAs, not $((K * per))"

# 4. the DH bound
dh=$(openssl speed -seconds 3 ffdh2048 2>/dev/null | awk '/2048 bits ffdh/ {print $NF}')
bound=$(echo "scale=1; $dh / 4" | bc)
seq=$(echo "scale=1; $dh / 8" | bc)

printf 'IKEv1 main mode + quick mode with PFS (%s), %d handshakes each, one initiator:\n' "$P" "$count"
printf '  vpnlab responder     %8.1f handshakes/s\n' "$v"
printf '  strongSwan responder %8.1f handshakes/s\n' "$s"
printf '  ratio vpnlab/strongSwan: %s\n' "$(echo "scale=2; $v / $s" | bc)"
printf '  openssl speed ffdh2048: %s ops/s; /4 = %s handshakes/s (one side, one core),\n' "$dh" "$bound"
printf '    /8 = %s handshakes/s (both sides, one after the other: what this run can reach)\n' "$seq"
printf '  vpnlab responder at %s of ffdh/4, %s of ffdh/8; strongSwan at %s of ffdh/8\n' \
  "$(echo "scale=2; $v / $bound" | bc)" "$(echo "scale=2; $v / $seq" | bc)" "$(echo "scale=2; $s / $seq" | bc)"
printf 'Four initiators at once (%d handshakes each), both cores busy:\n' "$per"
printf '  vpnlab responders    %8.1f handshakes/s\n' "$v4"
printf '  strongSwan responder %8.1f handshakes/s\n' "$s4"
printf '  ratio vpnlab/strongSwan: %s\n' "$(echo "scale=2; $v4 / $s4" | bc)"
printf '  against ffdh/4 (= both sides, two cores): vpnlab %s, strongSwan %s\n' \
  "$(echo "scale=2; $v4 / $bound" | bc)" "$(echo "scale=2; $s4 / $bound" | bc)"
