#!/bin/sh
# slow
# RESPONDER-LIFETIME (RFC 2407 4.6.3.1) on the wire. A vpnlab responder with
# --responder-lifetime and shorter lifetimes than proposed (ESP 600 s / IKE 3600 s against
# 3600 s / 28800 s, and 100000 KB against 200000 KB) echoes the proposal and sends the
# notify: in QM2 for the CHILD_SA, in an informational exchange after MM6 for the IKE_SA.
#   1. vpnlab initiator: takes 600 s for the CHILD_SA, moves its reauthentication to 3600 s
#      minus the margin; tshark decrypts both notifies with the initiator's key file and
#      reports no malformed packet.
#   2. strongSwan 5.9 as initiator (no handler for the notify, research notes 1.8): it
#      parses QM2 with the notify it does not know ("N((24576))") and the CHILD_SA comes up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
have tshark || skip "tshark missing"
netns_pair rl
A=vl-rl-a; B=vl-rl-b

ip netns exec $A tcpdump -i eth0 --immediate-mode -Z root -U -w "$T/rl.pcap" udp > /dev/null 2>&1 &
td=$!
cleanup_hooks="stop_td $cleanup_hooks"
stop_td() { kill $td 2>/dev/null; wait $td 2>/dev/null; }
sleep 1
ip netns exec $B "$VPNLAB" peer --local 10.10.0.2 --remote 10.10.0.1 --psk rl-psk \
   --ike aes256-sha256-modp2048 --esp aes256-sha256 --esp-lifetime 600s --ike-lifetime 1h \
   --esp-lifebytes 100000000 --responder-lifetime --once --timeout 10s --json --verbose \
   > "$T/resp.json" 2> "$T/resp.log" &
vp=$!
sleep 0.3
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk rl-psk \
   --ike aes256-sha256-modp2048 --esp aes256-sha256 --esp-lifetime 1h --ike-lifetime 8h \
   --esp-lifebytes 200000000 --initiate --once --timeout 10s --json --verbose --keys "$T/keys" > "$T/init.json" 2> "$T/init.log" ||
  { cat "$T/init.log" "$T/resp.log"; fail "vpnlab initiator: no CHILD_SA"; }
wait $vp || { cat "$T/resp.log"; fail "vpnlab responder: no CHILD_SA"; }
sleep 0.5
stop_td
grep '"child_sa_established"' "$T/init.json" | grep -q '"lifetime": 600' ||
  { cat "$T/init.json"; fail "the initiator did not take the responder's 600 s"; }
grep '"child_sa_established"' "$T/init.json" | grep -q '"lifebytes": 100000000' ||
  { cat "$T/init.json"; fail "the initiator did not take the responder's 100000 KB"; }
grep -q 'sending RESPONDER-LIFETIME 600s / 100000 KB for CHILD_SA' "$T/resp.log" || fail "no phase-2 notify sent"
grep -q 'sending RESPONDER-LIFETIME 3600s for IKE_SA' "$T/resp.log" || fail "no phase-1 notify sent"
grep -q 'received RESPONDER-LIFETIME 3600s for IKE_SA' "$T/init.log" || fail "the initiator missed the phase-1 notify"
grep -q 'rescheduling reauthentication in 32[0-9][0-9]s' "$T/init.log" ||
  { grep -i reauth "$T/init.log"; fail "the initiator did not move its reauthentication"; }
key=$(head -n 1 "$T/keys/ikev1_decryption_table")
tshark -r "$T/rl.pcap" -o "uat:ikev1_decryption_table:$key" -V > "$T/dissect" 2>&1
if grep -qi "malformed" "$T/dissect"; then fail "tshark reports a malformed packet"; fi
nrl=$(grep -c "Notify Message Type: RESPONDER-LIFETIME (24576)" "$T/dissect")
[ "$nrl" -eq 2 ] || { grep -i "notify message type" "$T/dissect"; fail "tshark shows $nrl RESPONDER-LIFETIME notifies, want 2"; }
# tshark reads the phase-1 data as IKE attributes (11/12), the phase-2 data as IPsec DOI
# attributes (1/2), the kilobytes as a 4-byte TLV (100000 does not fit 16 bits)
grep -q "IKE Attribute (t=12,l=2): Life-Duration: 3600" "$T/dissect" ||
  fail "tshark does not show the phase-1 3600 s"
grep -q "IPsec Attribute (t=2,l=2): SA-Life-Duration: 600" "$T/dissect" ||
  fail "tshark does not show the phase-2 600 s"
grep -q "IPsec Attribute (t=2,l=4): SA-Life-Duration: 100000" "$T/dissect" ||
  fail "tshark does not show the 100000 KB as a 4-byte TLV"
echo "ok: vpnlab initiator honours RESPONDER-LIFETIME (CHILD_SA 600 s and 100000 KB, IKE_SA 3600 s); tshark dissects both"

# 2. strongSwan initiates against the same responder
if sw_available; then
  ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk rl-psk \
     --ike aes256-sha256-modp2048 --esp aes256-sha256 --esp-lifetime 600s --ike-lifetime 1h \
     --responder-lifetime --once --timeout 15s --json --verbose > "$T/resp2.json" 2> "$T/resp2.log" &
  vp=$!
  sleep 0.3
  sw_start rl "$B" "connections { c { version = 1
  local_addrs = 10.10.0.2
  remote_addrs = 10.10.0.1
  proposals = aes256-sha256-modp2048
  dpd_delay = 0
  local { auth = psk
    id = 10.10.0.2 }
  remote { auth = psk
    id = 10.10.0.1 }
  children { c { local_ts = 0.0.0.0/0
    remote_ts = 0.0.0.0/0
    esp_proposals = aes256-sha256
    start_action = none } } } }
secrets { ike-1 { id-a = 10.10.0.1
  id-b = 10.10.0.2
  secret = rl-psk } }"
  sw_swanctl rl --initiate --child c --timeout 10 > "$T/sw-init" 2>&1
  wait $vp || { cat "$T/resp2.log"; sw_log rl | tail -30; fail "strongSwan initiator: no CHILD_SA"; }
  grep -q 'sending RESPONDER-LIFETIME 600s for CHILD_SA' "$T/resp2.log" || fail "no notify to strongSwan"
  sw_log rl | grep -q "CHILD_SA c{1} established" || { sw_log rl | tail -30; fail "strongSwan did not establish"; }
  sw_log rl | grep -q "parsed QUICK_MODE response .* N((24576))" ||
    { sw_log rl | grep QUICK_MODE; fail "strongSwan did not parse the notify in QM2"; }
  echo "ok: strongSwan parses QM2 with N((24576)) and establishes anyway (it has no handler)"
  sw_stop_rl

  # 3. a kilobyte lifetime proposed to strongSwan: accepted, and both count a kilobyte as
  # 1000 bytes (strongSwan logs the bytes it read against its own configured 0)
  sw_start kb "$B" "$(cat "$T/sw-rl/swanctl.conf")"
  ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk rl-psk \
     --ike aes256-sha256-modp2048 --esp aes256-sha256 --esp-lifebytes 100000000 \
     --initiate --once --timeout 10s --json > "$T/kb.json" 2> "$T/kb.err" ||
    { cat "$T/kb.err"; sw_log kb | tail -20; fail "kilobyte lifetime: no CHILD_SA with strongSwan"; }
  grep '"child_sa_established"' "$T/kb.json" | grep -q '"lifebytes": 100000000' ||
    { cat "$T/kb.json"; fail "vpnlab's CHILD_SA lost its kilobyte lifetime"; }
  i=0; until sw_log kb | grep -q "received 100000000 lifebytes" || [ $i -ge 20 ]; do sleep 0.1; i=$((i + 1)); done
  sw_log kb | grep -q "received 100000000 lifebytes, configured 0" ||
    { sw_log kb | grep -i "lifebytes\|lifetime"; fail "strongSwan did not see the 100000 KB proposal"; }
  echo "ok: strongSwan accepts a proposed kilobyte lifetime (logs 'received 100000000 lifebytes, configured 0')"
  sw_stop_kb
fi
