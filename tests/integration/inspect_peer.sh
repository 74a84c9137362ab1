#!/bin/sh
# slow
# vpnlab inspect on a live capture of vpnlab's own IKEv1 peer against Debian's strongSwan 5.9,
# with the key files vpnlab peer --keys writes: main mode 5/6, quick mode and the DPD
# informationals all decrypt, the proposal vpnlab selected and the CHILD_SA SPIs both sides
# report are the ones inspect finds, and the DPD exchanges are there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
sw_available || skip "strongSwan (charon, swanctl) or /dev/net/tun missing"
have tcpdump || skip "tcpdump missing"
netns_pair ip
A=vl-ip-a; B=vl-ip-b
sw_start r "$B" "connections { c { version = 1
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
  secret = \"inspect-psk\" } }"
ip netns exec $A tcpdump -i eth0 --immediate-mode -Z root -U -w "$T/peer.pcap" udp > /dev/null 2>&1 &
td=$!
cleanup_hooks="stop_td $cleanup_hooks"
stop_td() { kill $td 2>/dev/null; wait $td 2>/dev/null; }
sleep 1
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk inspect-psk \
   --ike aes256-sha256-modp2048 --esp aes256-sha256 --initiate --dpd 1s --timeout 4s --json \
   --keys "$T/keys" > "$T/peer.out" 2>&1
sleep 0.5
stop_td
sw_stop_r
grep -q '"child_sa_established"' "$T/peer.out" || { cat "$T/peer.out"; fail "no CHILD_SA"; }
"$VPNLAB" inspect "$T/peer.pcap" --keys "$T/keys" > "$T/text" 2>&1 || { cat "$T/text"; fail "inspect failed"; }
"$VPNLAB" inspect "$T/peer.pcap" --keys "$T/keys" --json > "$T/json" 2>&1 || fail "inspect --json failed"
grep -q 'ike_undecrypted\|malformed' "$T/text" && { cat "$T/text"; fail "inspect could not decrypt or decode everything"; }
[ "$(grep -c '"event": "ike_msg".*"decrypted": true' "$T/json")" -ge 7 ] ||
  { cat "$T/text"; fail "fewer than 7 decrypted ISAKMP messages (MM5, MM6, QM1-3, DPD)"; }
want_ike=$(grep '"ike_sa_established"' "$T/peer.out" | sed 's/.*"proposal": "\([^"]*\)".*/\1/')
grep -q "selected .* $want_ike\$" "$T/text" || { cat "$T/text"; fail "inspect did not find the IKE proposal $want_ike"; }
spis=$(grep '"child_sa_established"' "$T/peer.out" | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\1_i \2_r/')
grep -q "child_sa_up .*SPIs $spis" "$T/text" || { cat "$T/text"; fail "inspect's CHILD_SA SPIs differ from vpnlab's $spis"; }
acks=$(grep -c 'notify .*DPD_ACK seq' "$T/text")
[ "$acks" -ge 2 ] || { cat "$T/text"; fail "inspect saw $acks DPD acknowledgements"; }
echo "ok: inspect decrypts vpnlab peer <-> strongSwan with vpnlab's keys ($want_ike, SPIs $spis, $acks DPD ACKs)"
