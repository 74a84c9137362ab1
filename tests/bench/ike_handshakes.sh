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
# bounds this run (each side waits for the other's exponentiations).
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
# without INITIAL-CONTACT each new round looks like a reauthentication + rekey of the last
up=$(grep -c 'child_sa_established\|child_sa_rekeyed' "$T/resp.out")
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

# 3. the DH bound
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
