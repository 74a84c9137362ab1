#!/bin/sh
# vpnlab peer --repeat N: N main mode + quick mode handshakes one after another against a
# vpnlab responder, one rate line at the end; the responder sets up every CHILD_SA, and each
# round's INITIAL-CONTACT clears the one before (so the responder never holds more than two).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"      # netns_pair
need_root
netns_pair rp
A=vl-rp-a; B=vl-rp-b
ip netns exec $B "$VPNLAB" peer --local 10.10.0.2 --remote 10.10.0.1 --psk rp-psk \
   --timeout 20s --json > "$T/resp.json" 2>&1 &
vp=$!
sleep 0.3
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk rp-psk \
   --initiate --repeat 20 --timeout 15s --json > "$T/init.json" 2> "$T/init.err" ||
  { cat "$T/init.err"; fail "--repeat 20 failed"; }
kill $vp; wait $vp 2>/dev/null
grep -q '^{"event": "repeat", .*"handshakes": 20, "seconds": [0-9.]*, "per_second": [0-9.]*}$' "$T/init.json" ||
  { cat "$T/init.json"; fail "no repeat line with 20 handshakes"; }
up=$(grep -c '"child_sa_established"' "$T/resp.json")
[ "$up" -eq 20 ] || fail "the responder set up $up CHILD_SAs, not 20"
ic=$(grep -c '"ike_sa_deleted".*INITIAL_CONTACT' "$T/resp.json")
[ "$ic" -eq 19 ] || { cat "$T/resp.json" | tail; fail "$ic IKE_SAs dropped on INITIAL-CONTACT, want 19"; }
# bad counts are refused
if "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk x --initiate --repeat 0 2> "$T/bad.err"; then
  fail "--repeat 0 accepted"; fi
grep -q "a count from 1" "$T/bad.err" || fail "no reason for --repeat 0"
if "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk x --repeat 5 2> "$T/bad.err"; then
  fail "--repeat without --initiate accepted"; fi
echo "ok: $(sed -n 's/.*"per_second": \([0-9.]*\).*/\1/p' "$T/init.json") handshakes/s, 20 CHILD_SAs, 19 cleared by INITIAL-CONTACT"
